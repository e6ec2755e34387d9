#!/bin/sh
# Builds the client as one executable file with Node's single-executable applications (SEA):
#   infra/sea/build.sh [output]        (default: dist/sea/beats-gate-client)
# Steps: bundle.ts (esbuild) puts client/bin/beats-gate-client.ts and its dependencies into one
# CommonJS file (Node 22's SEA runs CommonJS only); `node --experimental-sea-config` makes a blob;
# postject (from npm) injects the blob into a copy of the Node binary that runs this script.
# The result runs on machines of the same OS and CPU architecture, without Node installed.
# Needs the npm registry once (npx fetches postject), nothing else. See docs/client.md.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-"$root/dist/sea/beats-gate-client"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
export PATH="$root/node_modules/.bin:$PATH"

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<22||(a===22&&b<18)) { console.error("build.sh: Node >= 22.18 needed, this is "+process.version); process.exit(1) }'

node "$root/infra/sea/bundle.ts" "$work/client.cjs"

cat > "$work/sea-config.json" <<JSON
{
  "main": "$work/client.cjs",
  "output": "$work/sea-prep.blob",
  "disableExperimentalSEAWarning": true,
  "useCodeCache": false,
  "useSnapshot": false
}
JSON
node --experimental-sea-config "$work/sea-config.json"

mkdir -p "$(dirname "$out")"
cp "$(node -p process.execPath)" "$out"
chmod u+w "$out"
npx --yes postject@1.0.0-alpha.6 "$out" NODE_SEA_BLOB "$work/sea-prep.blob" \
  --sentinel-fuse NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2
"$out" --help > /dev/null
echo "built $out ($(du -h "$out" | cut -f1)); try: $out --help"
