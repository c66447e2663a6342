# Sourced by .ci/run (and usable by hand: `. scripts/provision-node.sh`): puts the Node of .node-version first
# on PATH when the machine's Node is missing or older than package.json's engines (>= 22.12). The binary is
# the official one, taken from the npm registry's node-linux-<arch> package and kept in ~/.cache.
offload_node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 12) ? 0 : 1)'
}
if ! offload_node_ok; then
  _want="$(tr -d ' \n\r' < "$(dirname "${BASH_SOURCE[0]}")/../.node-version")"
  case "$(uname -m)" in x86_64) _arch=x64 ;; aarch64 | arm64) _arch=arm64 ;; *) _arch="$(uname -m)" ;; esac
  _os="$(uname -s | tr '[:upper:]' '[:lower:]')"
  _dir="${XDG_CACHE_HOME:-$HOME/.cache}/offload-node/$_want-$_os-$_arch"
  if [ ! -x "$_dir/bin/node" ]; then
    echo "provisioning Node $_want ($( (node --version 2>/dev/null) || echo 'no Node') is older than 22.12) from the npm registry" >&2
    _tmp="$(mktemp -d)"
    (cd "$_tmp" && npm pack --silent "node-$_os-$_arch@$_want" >/dev/null)
    mkdir -p "$_dir"
    tar -xzf "$_tmp"/node-"$_os"-"$_arch"-*.tgz -C "$_dir" --strip-components=1
    rm -rf "$_tmp"
  fi
  export PATH="$_dir/bin:$PATH"
  offload_node_ok || { echo "could not provision Node $_want" >&2; exit 1; }
  echo "using Node $(node --version) from $_dir" >&2
fi
