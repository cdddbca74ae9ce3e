"""Row counts and SHA-256 of every table's rows in primary-key order, on the source and on the target at once.

Reads {"sides": {"source": [psql argv], "target": [psql argv]}, "tables": [{"table", "query"}]} on stdin; each
query (a COPY ... TO STDOUT) streams through psql into SHA-256 here, rows counted as lines (COPY's text format
escapes newlines in values). Prints {"tables": [...], "mismatches": [...]} for verify.yml.
"""

import hashlib
import json
import subprocess
import sys
import threading

CHUNK = 1 << 20


def checksum(argv, query):
    digest, rows = hashlib.sha256(), 0
    with subprocess.Popen([*argv, "--command=" + query], stdout=subprocess.PIPE, stderr=subprocess.PIPE) as psql:
        for chunk in iter(lambda: psql.stdout.read(CHUNK), b""):
            digest.update(chunk)
            rows += chunk.count(b"\n")
        error = psql.stderr.read().decode(errors="replace").strip()
    if psql.returncode != 0:
        return {"rows": None, "sha256": None, "error": error or f"psql exit code {psql.returncode}"}
    return {"rows": rows, "sha256": digest.hexdigest(), "error": None}


def main():
    request = json.load(sys.stdin)
    found = {side: {} for side in request["sides"]}

    def one_side(side):
        for table in request["tables"]:
            found[side][table["table"]] = checksum(request["sides"][side], table["query"])

    workers = [threading.Thread(target=one_side, args=(side,)) for side in request["sides"]]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    tables, mismatches = [], []
    for table in (t["table"] for t in request["tables"]):
        source, target = found["source"][table], found["target"][table]
        tables.append(
            {
                "table": table,
                "source_rows": source["rows"],
                "target_rows": target["rows"],
                "source_sha256": source["sha256"],
                "target_sha256": target["sha256"],
            }
        )
        if source["error"] or target["error"]:
            said = "; ".join(f"{side}: {r['error']}" for side, r in (("source", source), ("target", target)) if r["error"])
            mismatches.append(f"{table} could not be read ({said})")
        elif (source["rows"], source["sha256"]) != (target["rows"], target["sha256"]):
            mismatches.append(
                f"{table} differs: {source['rows']} rows on the source, {target['rows']} on the target"
                + ("" if source["rows"] != target["rows"] else ", checksums differ")
            )
    json.dump({"tables": tables, "mismatches": mismatches}, sys.stdout)


if __name__ == "__main__":
    main()
