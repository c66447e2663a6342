// `offload init` on compiled-language projects (Go, Rust, Maven, Gradle, .NET, CMake, Make, Unreal), with a fake
// toolchain: the usual build and test commands, and where a tool is missing, a first step that names it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StepConfig } from '../../main/core/config';
import { makeTargets } from '../../main/core/init/detect-toolchains';
import { engineAssociation } from '../../main/core/init/detect-unreal';
import { initAndLoad, repositories } from '../helpers/init';

const { project, root: tmpRoot } = repositories('offload-init-toolchains-');

function init(dir: string, installed: string[]) {
  const { text, findings, config } = initAndLoad(dir, installed);
  const local = config.phases.local.steps;
  return { text, findings, local, runs: local.map((s: StepConfig) => String(s.spec)), config };
}

describe('initConfig: compiled-language toolchains', () => {
  it('a root Cargo.toml: cargo build and test, never "Nothing to build was recognised"', () => {
    const { runs, text, findings } = init(project({ 'Cargo.toml': '[package]\nname = "x"\n' }), ['cargo']);
    expect(runs).toEqual(['cargo build', 'cargo test']);
    expect(text).not.toContain('Nothing to build was recognised');
    expect(findings).toEqual(['Cargo.toml (Rust): cargo build, cargo test']);
  });

  it('go.mod without go installed: a first step names go and how to get it, and exits 127 until it is there', () => {
    const dir = project({
      'go.mod': 'module example.com/svc\n\ngo 1.22\n',
      Makefile: 'test:\n\tgo test ./...\n',
    });
    const { local, runs, findings } = init(dir, []);
    expect(local.map((s) => s.name)).toEqual(['Go toolchain (go) is installed', 'Go build', 'Go tests']);
    expect(runs.slice(1)).toEqual(['go build ./...', 'go test ./...']);
    expect(findings[0]).toMatch(
      /^go\.mod \(Go, module example\.com\/svc\): .* go is not on PATH here: install Go from https:\/\/go\.dev\/dl\//,
    );
    if (process.platform === 'win32') return;
    const missing = spawnSync('/bin/sh', ['-c', runs[0]!], {
      encoding: 'utf8',
      env: { PATH: '/nonexistent' },
    });
    expect(missing.status).toBe(127);
    expect(missing.stderr).toMatch(
      /^go is not installed here \(needed by the Go steps\): install Go from https:\/\/go\.dev\/dl\//,
    );
    const present = spawnSync('sh', ['-c', runs[0]!.replace('command -v go', 'command -v sh')], {
      encoding: 'utf8',
    });
    expect(present.status).toBe(0);
  });

  it('Maven and Gradle: the wrapper when the repository has one (named, not run), the installed tool otherwise', () => {
    const withWrappers = project({
      'pom.xml': '<project/>',
      mvnw: '#!/bin/sh\nexit 1\n',
      'build.gradle': '',
    });
    fs.chmodSync(path.join(withWrappers, 'mvnw'), 0o755);
    const maven = init(withWrappers, ['java']);
    expect(maven.runs).toEqual(['./mvnw -B verify']);
    expect(maven.findings[0]).toContain('build.gradle seen but not used (pom.xml builds the same folder)');
    const gradle = init(project({ 'settings.gradle.kts': '', 'build.gradle.kts': '', gradlew: '' }), [
      'java',
    ]);
    // A wrapper without its executable bit (a Windows checkout) runs through sh.
    expect(gradle.runs).toEqual(['sh ./gradlew build --no-daemon']);
    expect(init(project({ 'build.gradle': '' }), ['gradle']).runs).toEqual(['gradle build --no-daemon']);
  });

  it('.NET: one solution or project needs no argument; several name the solution', () => {
    expect(init(project({ 'Api.sln': '' }), ['dotnet']).runs).toEqual(['dotnet build', 'dotnet test']);
    const both = init(project({ 'Api.sln': '', 'Api.csproj': '<Project/>', 'Old.sln': '' }), ['dotnet']);
    expect(both.runs).toEqual(['dotnet build Api.sln', 'dotnet test Api.sln']);
    expect(both.findings[0]).toContain('Old.sln seen but not used (offload builds Api.sln)');
  });

  it('CMake: configure, build and ctest when it declares tests; a Makefile beside a language manifest is not used', () => {
    const cmake = init(
      project({ 'CMakeLists.txt': 'project(x C)\nenable_testing()\n', Makefile: 'test:\n' }),
      ['cmake'],
    );
    expect(cmake.runs).toEqual([
      'cmake -S . -B build',
      'cmake --build build',
      'ctest --test-dir build --output-on-failure',
    ]);
  });

  it('Makefile: make test (and make build or make) only with a test target; make deploy in aws-deploy', () => {
    const dir = project({
      Makefile: 'VERSION := 1\nbuild: dep\n\tcc x.c\ntest check:: build\n\t./t\ndeploy:\n\t./deploy.sh\n',
    });
    const { runs, config } = init(dir, ['make']);
    expect(runs).toEqual(['make build', 'make test']);
    expect(config.phases['aws-deploy'].steps.map((s) => s.spec)).toEqual(['make deploy']);
    expect(init(project({ Makefile: 'all:\n\tcc x.c\n' }), ['make']).text).toContain(
      'Nothing to build was recognised',
    );
  });

  it('makeTargets reads rule names, not variable assignments', () => {
    expect([...makeTargets('A := 1\nB ::= 2\nall test: x\nlint::\n.PHONY: all\n\tnot: a target\n')]).toEqual([
      'all',
      'test',
      'lint',
      '.PHONY',
    ]);
  });

  it('Unreal: a .uproject gets a BuildCookRun step that finds the engine or says "Unreal Engine not found"', () => {
    const dir = project({ 'Game/Skyhaven.uproject': '{"EngineAssociation": "5.4"}' });
    const { local, findings } = init(dir, []);
    expect(findings).toEqual([
      'Unreal Engine project (Game/Skyhaven.uproject, engine 5.4): RunUAT BuildCookRun; the engine is found through UE_ROOT or its usual install folders',
    ]);
    expect(local).toHaveLength(1);
    expect(local[0]).toMatchObject({
      name: 'Unreal build, cook and package (Skyhaven.uproject) (Game)',
      cwd: 'Game',
    });
    expect(engineAssociation('{"EngineAssociation": "{A1B2-source-build}"}')).toBeUndefined();
    if (process.platform === 'win32') return;
    const r = spawnSync('bash', ['-c', String(local[0]!.spec)], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: tmpRoot },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^Unreal Engine not found \(Skyhaven\.uproject asks for 5\.4\): set UE_ROOT/);
    // With UE_ROOT pointing at an engine, it runs the engine's RunUAT.
    const engine = path.join(tmpRoot, 'UE_5.4');
    const uat = path.join(engine, 'Engine/Build/BatchFiles/RunUAT.sh');
    fs.mkdirSync(path.dirname(uat), { recursive: true });
    fs.writeFileSync(uat, '#!/bin/sh\necho "UAT $*"\n', { mode: 0o755 });
    const found = spawnSync('bash', ['-c', String(local[0]!.spec)], {
      encoding: 'utf8',
      cwd: path.join(dir, 'Game'),
      env: { PATH: process.env.PATH, HOME: tmpRoot, UE_ROOT: engine },
    });
    expect(found.status, found.stderr).toBe(0);
    expect(found.stdout).toMatch(
      /^UAT BuildCookRun -project=.*\/Game\/Skyhaven\.uproject -noP4 -platform=(Linux|Mac) /,
    );
  });
});
