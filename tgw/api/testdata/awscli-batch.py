"""Runs many aws CLI commands in one process, for the aws CLI conformance tests.

Each line on stdin is a JSON list: the arguments of one `aws` command line. For each, one JSON
line goes to the real stdout: {"stdout": ..., "stderr": ..., "exit": N}. The commands run
through awscli's own entry point, `awscli.clidriver.create_clidriver().main(args)`, which is what
/usr/bin/aws calls; one driver serves every line, so Python, awscli and the EC2 service model
load once instead of once per command (about 1.5 s of CPU each on a 2-core machine). Argument
parsing, request signing and reply parsing are botocore's, as in a separate `aws` process.
"""
import io
import json
import sys

from awscli.clidriver import create_clidriver


def main():
    out = sys.stdout
    driver = create_clidriver()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        args = json.loads(line)
        cap_out, cap_err = io.StringIO(), io.StringIO()
        sys.stdout, sys.stderr = cap_out, cap_err
        try:
            rc = driver.main(args)
        except SystemExit as e:  # argparse refusals exit
            rc = e.code if isinstance(e.code, int) else 2
        finally:
            sys.stdout, sys.stderr = out, sys.__stderr__
        out.write(json.dumps({"stdout": cap_out.getvalue(), "stderr": cap_err.getvalue(), "exit": rc}) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
