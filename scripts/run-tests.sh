#!/usr/bin/env bash
# Runs every test project (the control plane's twice: on SQLite, then on PostgreSQL) and prints one
# closing line "tests: N passed, N failed, N skipped", after a line per failed test.
# Real-VM suites run one project at a time: at most two VMs on a 2-core machine.
set -uo pipefail
config=${1:-Release}
cd "$(dirname "${BASH_SOURCE[0]}")/.."
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
# run_suite NAME PROJECT [VAR=VALUE...]: one test run of PROJECT, reported as NAME.
run_suite() {
  local name=$1 project=$2 trx=${1// (/.}
  trx=${trx%)}
  shift 2
  echo "== $name"
  # Every data directory of the suite lives under its own TMPDIR, so what it leaves behind is found
  # by path, never by a process name that a real server's capsules share. Short: capsule sockets
  # live below it, and a Unix socket path has at most 107 bytes.
  export TMPDIR=$(mktemp -d /tmp/wt.XXXX)
  # A hung test must fail the run, not stall CI: vstest kills the host and names the test.
  env "$@" dotnet test "$project" -c "$config" --no-build -nologo --blame-hang-timeout 10m --blame-hang-dump-type none \
    --logger "trx;LogFileName=$results/$trx.trx" --logger "console;verbosity=normal" || status=1
  # A suite that leaked a capsule VM (a killed test host, a crashed server) must not slow the next.
  scripts/stop-vms-under.sh "$TMPDIR"
  rm -rf "$TMPDIR"
  unset TMPDIR
}
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  run_suite "$name" "$project"
  # The control plane's API suite once more with every server on PostgreSQL instead of SQLite.
  if [[ $name == Wrenn.ControlPlane.Tests ]]; then
    run_suite "$name (postgres)" "$project" WRENN_TEST_DATABASE=postgres
  fi
done
python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in sorted(glob.glob(sys.argv[1] + "/*.trx")):
    root = ET.parse(path).getroot()
    # CI shows only the end of the log: name each failure here, with its message's first lines.
    for result in root.iterfind("t:Results/t:UnitTestResult", ns):
        if result.get("outcome") not in ("Failed", "Error", "Timeout"):
            continue
        message = result.find("t:Output/t:ErrorInfo/t:Message", ns)
        text = (message.text or "").strip().splitlines()[:3] if message is not None else []
        print(f"FAILED {path.rsplit('/', 1)[-1][:-4]}: {result.get('testName')}")
        for line in text:
            print(f"    {line[:300]}")
    counters = root.find("t:ResultSummary/t:Counters", ns)
    if counters is None:
        continue
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0))
    # Skipped tests appear only as the difference: vstest counts them in no counter of their own.
    skipped += int(counters.get("total", 0)) - int(counters.get("executed", 0))
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
