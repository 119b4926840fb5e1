"""Folds ci/gpu.sh's junit.xml and benchmark JSON files into one results.json on stdout."""
import glob
import json
import os
import sys
import xml.etree.ElementTree as ET


def main(out):
    summary = {"tests": {}, "failures": [], "parity": {}, "benchmarks": {}}
    junit = os.path.join(out, "junit.xml")
    if os.path.exists(junit):
        suite = ET.parse(junit).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        for key in ("tests", "failures", "errors", "skipped"):
            summary["tests"][key] = int(suite.get(key, 0))
        for case in suite.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                summary["failures"].append(f"{case.get('classname')}::{case.get('name')}")
    parity = os.path.join(out, "gpu_parity.json")
    if os.path.exists(parity):
        with open(parity) as f:
            cases = json.load(f)
        summary["parity"] = {"passed": cases["passed"], "failed": cases["failed"],
                             "failures": [f"{c['case']} [{c['dtype']}]" for c in cases["cases"]
                                          if not c["ok"]]}
    for path in sorted(glob.glob(os.path.join(out, "bench_*.json"))):
        with open(path) as f:
            rows = json.load(f)
        summary["benchmarks"][os.path.basename(path)[:-5]] = [
            {**r, "ratio": r["ours"] / r["torch"]} for r in rows]
    json.dump(summary, sys.stdout, indent=2)


if __name__ == "__main__":
    main(sys.argv[1])
