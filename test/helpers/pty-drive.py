"""Runs a command in a real pseudo-terminal, answers prompts, and relays what it printed.

Usage: pty-drive.py TIMEOUT_S PROMPT_REGEX ANSWER [PROMPT_REGEX ANSWER ...] -- COMMAND [ARGS...]
Each ANSWER (with a newline added) is typed once its PROMPT_REGEX has appeared in the output. Prints the whole
terminal output on stdout and exits with the command's exit code (124 on timeout).
"""
import os, pty, re, select, sys, time

def main():
    args = sys.argv[1:]
    sep = args.index('--')
    timeout = float(args[0])
    pairs = args[1:sep]
    cmd = args[sep + 1:]
    script = [(re.compile(pairs[i]), pairs[i + 1]) for i in range(0, len(pairs), 2)]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    out = b''
    deadline = time.time() + timeout
    while True:
        if time.time() > deadline:
            os.kill(pid, 9)
            sys.stdout.write(out.decode('utf-8', 'replace'))
            sys.exit(124)
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b''
            if not chunk:
                break
            out += chunk
        if script and script[0][0].search(out.decode('utf-8', 'replace')):
            os.write(fd, (script.pop(0)[1] + '\n').encode())
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode('utf-8', 'replace'))
    sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, 'waitstatus_to_exitcode') else status >> 8)

main()
