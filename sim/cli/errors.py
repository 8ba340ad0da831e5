"""The one error boundary of every gfsim command: any problem with the input is one line, exit code 2.

Every subcommand's ``main`` runs its body through ``run_command``. Inside, code raises UsageError (or
lets a loader's own ValueError subclass, an OSError, a zip error, a UnicodeDecodeError, a
RecursionError from deeply nested JSON, a MemoryError or an OverflowError escape); the boundary prints
``gfsim <cmd>: error: <problem>`` on stderr and returns 2. SIGTERM is turned into an exception like
Ctrl-C, so ``finally`` blocks run: temporary files are removed (sim.io.atomic) and worker pools
are shut down before the process exits (130 after Ctrl-C, 143 after SIGTERM).
Set GFSIM_DEBUG=1 to get the traceback instead.
"""
import argparse
import os
import signal
import sys
import zipfile
import zlib

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


class UsageError(Exception):
    """A user-facing problem: printed as one line, exit code 2."""


class Terminated(BaseException):
    """SIGTERM arrived (raised in the main thread so that cleanup runs)."""


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad argument as one line (no usage dump); --help still exits 0."""

    def error(self, message):
        raise UsageError(message)


def one_line(text, limit=300):
    s = " ".join(str(text).split())
    return s[:limit]


def describe(exc):
    """The one-line problem for an exception the boundary handles, or None for a bug (re-raised)."""
    if isinstance(exc, UsageError):
        return one_line(exc)
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text ({exc.reason} at byte {exc.start})"
    if isinstance(exc, RecursionError):
        return "input nested too deeply"
    if isinstance(exc, MemoryError):
        return "not enough memory for this input (a file or argument asks for too much)"
    if isinstance(exc, OverflowError):
        return f"number too large ({one_line(exc)})"
    if isinstance(exc, (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError)):
        return f"corrupt or truncated archive ({one_line(exc) or type(exc).__name__})"
    if isinstance(exc, NotImplementedError) and "compression" in str(exc).lower():
        return f"unsupported archive member ({one_line(exc)})"
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        return f"{where}{exc.strerror or one_line(exc) or type(exc).__name__}"
    if isinstance(exc, (ValueError, LookupError)) and str(exc):
        return one_line(exc)
    return None


def _raise_terminated(signum, frame):
    raise Terminated()


def _install_sigterm():
    """Turn SIGTERM into Terminated in the main thread; returns the previous handler (or None)."""
    try:
        return signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:      # not the main thread
        return None


def run_command(prog, body, argv):
    """Run ``body(argv) -> exit code`` inside the boundary; `prog` is e.g. "gfsim collect"."""
    from sim.io.atomic import remove_live_temps
    previous = _install_sigterm()
    try:
        try:
            code = body(argv)
            return 0 if code is None else code
        finally:
            remove_live_temps()
    except SystemExit as e:        # --help / --version
        return e.code if isinstance(e.code, int) else (0 if e.code is None else EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted (nothing written)", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print(f"{prog}: terminated (nothing written)", file=sys.stderr)
        return EXIT_TERMINATED
    except BrokenPipeError:        # output cut short by the reader (e.g. `| head`): not an error
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except Exception as e:
        msg = describe(e)
        if msg is None or os.environ.get("GFSIM_DEBUG"):
            raise
        print(f"{prog}: error: {msg}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        if previous is not None:
            try:
                signal.signal(signal.SIGTERM, previous)
            except ValueError:
                pass


def exit_with(code):
    """End a command's process with `code` (console entry and every ``__main__``). After Ctrl-C or SIGTERM
    (130, 143) the boundary has already cleaned up -- temporary files removed, worker pools killed -- so the
    process leaves without the interpreter's shutdown: concurrent.futures' exit hook joins the pool's manager
    thread, which waits forever when the signal interrupted the main thread while it held one of the pool's
    queue locks (seen once in test_hostile's SIGTERM test on a loaded machine)."""
    if code in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    sys.exit(code)


def same_file(a, b):
    """Do two paths name the same file (after symlinks, .., hard links)?"""
    if a is None or b is None:
        return False
    ra, rb = os.path.realpath(a), os.path.realpath(b)
    if ra == rb:
        return True
    try:
        return os.path.samefile(ra, rb)
    except OSError:
        return False


def check_outputs(outputs, inputs=()):
    """Refuse outputs that would overwrite an input or each other, and outputs that cannot be written.

    `outputs` and `inputs`: (option name, path or None) pairs. Raises UsageError naming both options."""
    outs = [(o, p) for o, p in outputs if p]
    for k, (opt, path) in enumerate(outs):
        for iopt, ipath in inputs:
            if ipath and same_file(path, ipath):
                raise UsageError(f"{opt} {path} is the input {iopt}: refusing to overwrite it")
        for opt2, path2 in outs[:k]:
            if same_file(path, path2):
                raise UsageError(f"{opt} and {opt2} name the same file {path}")
        check_writable(path, opt)


def check_writable(path, option):
    """Fail early (before any work) on an output file that cannot be written."""
    if os.path.isdir(path):
        raise UsageError(f"{option} {path} is a directory (a file is needed)")
    d = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(d):
        raise UsageError(f"{option}: directory {d} does not exist")
    if not os.access(d, os.W_OK | os.X_OK):
        raise UsageError(f"{option}: directory {d} is not writable")
    if os.path.exists(path) and not os.path.islink(path) and not os.access(path, os.W_OK):
        raise UsageError(f"{option} {path} is read-only")
