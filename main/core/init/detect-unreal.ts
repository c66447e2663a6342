/**
 * Unreal Engine projects (*.uproject): built, cooked and packaged with the engine's own RunUAT BuildCookRun.
 * The engine is found through UE_ROOT or the usual install folders for the project's EngineAssociation; when
 * it is absent the step stops with "Unreal Engine not found" and says how to point at it.
 */
import path from 'node:path';
import { filesIn, inFolder, projectDirs, readText, relCwd, runStep, type Detector, recognised } from './plan';

const uprojectIn = (dir: string) => filesIn(dir).find((f) => f.endsWith('.uproject'));

/** The engine version a .uproject asks for ("5.3"), or undefined for a source build or an unreadable file. */
export function engineAssociation(text: string): string | undefined {
  try {
    const v = (JSON.parse(text) as { EngineAssociation?: unknown }).EngineAssociation;
    return typeof v === 'string' && /^\d+\.\d+$/.test(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The bash script of the build step: find the engine, then RunUAT BuildCookRun for this host's platform. */
export function buildCookRunScript(uproject: string, version: string | undefined): string {
  const ue = version ? `UE_${version}` : 'UE_5.*';
  return [
    '# The engine: UE_ROOT, else the usual install folders (Epic Games Launcher, source builds).',
    'if [ -z "${UE_ROOT:-}" ]; then',
    `  for d in "/c/Program Files/Epic Games/${ue}" "/Users/Shared/Epic Games/${ue}" "$HOME/${ue}" /opt/UnrealEngine "$HOME/UnrealEngine"; do`,
    '    if [ -e "$d/Engine/Build/BatchFiles/RunUAT.sh" ] || [ -e "$d/Engine/Build/BatchFiles/RunUAT.bat" ]; then UE_ROOT="$d"; break; fi',
    '  done',
    'fi',
    'if [ -z "${UE_ROOT:-}" ]; then',
    `  echo "Unreal Engine not found${version ? ` (${uproject} asks for ${version})` : ''}: set UE_ROOT to the engine folder, the one that holds Engine/Build/BatchFiles/RunUAT.sh (.bat on Windows)" >&2`,
    '  exit 1',
    'fi',
    'case "$(uname -s)" in Darwin) PLATFORM=Mac; UAT=RunUAT.sh ;; Linux) PLATFORM=Linux; UAT=RunUAT.sh ;; *) PLATFORM=Win64; UAT=RunUAT.bat ;; esac',
    `"$UE_ROOT/Engine/Build/BatchFiles/$UAT" BuildCookRun -project="$PWD/${uproject}" -noP4 -platform="$PLATFORM" -clientconfig=Development -build -cook -stage -pak -archive -archivedirectory="$PWD/Saved/OffloadBuild"`,
  ].join('\n');
}

/** Every Unreal project: the folder itself, else its sub-folders with a .uproject. */
export const detectUnreal: Detector = (plan) => {
  for (const dir of projectDirs(plan.root, (d) => uprojectIn(d) !== undefined)) {
    const uproject = uprojectIn(dir)!;
    const cwd = relCwd(plan.root, dir);
    const version = engineAssociation(readText(path.join(dir, uproject)) ?? '');
    plan.findings.push(
      recognised(
        `Unreal Engine project (${cwd ? `${cwd}/` : ''}${uproject}${version ? `, engine ${version}` : ''}): RunUAT BuildCookRun; the engine is found through UE_ROOT or its usual install folders`,
      ),
    );
    plan.steps.local.push(
      runStep(
        inFolder(`Unreal build, cook and package (${uproject})`, cwd),
        buildCookRunScript(uproject, version),
        {
          cwd,
          shell: 'bash',
          timeout: '3h',
          comment: [
            'TODO: review: the target platform (-platform), configuration (-clientconfig) and the archive folder are',
            "this host's and Development; set UE_ROOT where the engine is not in a usual folder. Add -RunAutomationTests",
            'or a Gauntlet step for tests.',
          ],
        },
      ),
    );
  }
};
