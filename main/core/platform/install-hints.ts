/**
 * How to get the command-line tools a project's steps call: one table, used where a step failed because a
 * command is missing (exit 127, "is not recognized") and by `offload init` when a toolchain is absent.
 */

/** How to install each well-known tool, in one line. */
const HINTS: Record<string, string> = {
  aws: 'install the AWS CLI v2: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html',
  sam: 'install the AWS SAM CLI: https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html',
  cdk: 'install the AWS CDK CLI: npm install -g aws-cdk (or run it as npx cdk)',
  copilot: 'install AWS Copilot: https://aws.github.io/copilot-cli/docs/getting-started/install/',
  serverless: 'install the Serverless Framework: npm install -g serverless (or run it as npx serverless)',
  sls: 'install the Serverless Framework: npm install -g serverless (or run it as npx serverless)',
  terraform: 'install Terraform: https://developer.hashicorp.com/terraform/install',
  tofu: 'install OpenTofu: https://opentofu.org/docs/intro/install/',
  pulumi: 'install Pulumi: https://www.pulumi.com/docs/iac/download-install/',
  sst: 'run SST through the project: npx sst (after npm ci)',
  docker: 'install Docker (https://docs.docker.com/get-docker/) and start its engine',
  kubectl: 'install kubectl: https://kubernetes.io/docs/tasks/tools/',
  helm: 'install Helm: https://helm.sh/docs/intro/install/',
  eksctl: 'install eksctl: https://eksctl.io/installation/',
  pwsh: 'install PowerShell: https://aka.ms/install-powershell',
  go: 'install Go from https://go.dev/dl/ (or your package manager), then open a new terminal',
  cargo: 'install Rust with rustup (https://rustup.rs), then open a new terminal',
  mvn: 'install Maven (https://maven.apache.org/install.html) and a JDK, or add the Maven wrapper (mvn wrapper:wrapper)',
  gradle:
    'install Gradle (https://gradle.org/install/) and a JDK, or add the Gradle wrapper (gradle wrapper)',
  dotnet: 'install the .NET SDK (https://dotnet.microsoft.com/download), then open a new terminal',
  cmake: 'install CMake (https://cmake.org/download/) and a C/C++ compiler',
  ctest: 'install CMake (https://cmake.org/download/) and a C/C++ compiler',
  make: 'install make (build-essential on Debian/Ubuntu, Xcode command line tools on macOS)',
  node: 'install Node.js LTS: https://nodejs.org/en/download',
  npm: 'install Node.js LTS (it brings npm): https://nodejs.org/en/download',
  npx: 'install Node.js LTS (it brings npx): https://nodejs.org/en/download',
  pnpm: 'install pnpm: corepack enable pnpm (or https://pnpm.io/installation)',
  yarn: 'install Yarn: corepack enable yarn (or https://yarnpkg.com/getting-started/install)',
  python: 'install Python 3: https://www.python.org/downloads/',
  python3: 'install Python 3: https://www.python.org/downloads/',
  pip: 'install pip: python3 -m ensurepip (or your package manager)',
  pip3: 'install pip: python3 -m ensurepip (or your package manager)',
  pytest: 'install pytest into the project environment: python3 -m pip install pytest',
  poetry: 'install Poetry: https://python-poetry.org/docs/#installation',
  uv: 'install uv: https://docs.astral.sh/uv/getting-started/installation/',
  ollama: 'install Ollama: https://ollama.com/download',
  git: 'install Git: https://git-scm.com/downloads',
  curl: 'install curl with your package manager',
  jq: 'install jq: https://jqlang.org/download/',
};

/** One line saying how to get `tool`, or a generic line for a tool the table does not know. */
export function installHint(tool: string): string {
  const key = tool.toLowerCase().replace(/\.(exe|cmd|bat)$/, '');
  return HINTS[key] ?? `install ${tool} or add the folder that holds it to PATH`;
}

/** Whether the table knows `tool`. */
export function knownTool(tool: string): boolean {
  return tool.toLowerCase().replace(/\.(exe|cmd|bat)$/, '') in HINTS;
}

/** A command name as shells print it: no spaces, no quotes, no control characters, bounded. */
const NAME = String.raw`[^\s'"\u0000-\u001f:]{1,100}`;

/** What shells print when a command is missing, each with the command's name in group 1. */
const NOT_FOUND: RegExp[] = [
  new RegExp(String.raw`^.{0,1000}?: (?:line \d+: )?(${NAME}): command not found\s*$`), // bash (script path first)
  new RegExp(String.raw`^.{0,1000}?: \d+: (${NAME}): not found\s*$`), // dash, busybox sh
  new RegExp(String.raw`^zsh:\d*:? command not found: (${NAME})\s*$`), // zsh
  new RegExp(String.raw`^'(${NAME})' is not recognized as an internal or external command`), // cmd
  new RegExp(String.raw`The term '(${NAME})' is not recognized as (?:a|the) name of a cmdlet`), // PowerShell
];

/**
 * The command a failed step could not find, from the last lines of its output (the shells' own messages),
 * or undefined when no line says so.
 */
export function missingCommand(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] as string;
    if (line.length > 500) continue;
    for (const re of NOT_FOUND) {
      const m = re.exec(line);
      if (m?.[1]) return m[1];
    }
  }
  return undefined;
}
