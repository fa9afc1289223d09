"""shesha-pool's REPL runner: a persistent Python namespace served over a Unix socket.

    python3 repl_runner.py [--memory BYTES] [--pids N]

Run with the sandbox's box folder as the working folder. Binds "repl.sock" there and serves one connection
at a time, forever; the namespace outlives connections and only a "reset" request clears it. Messages are
newline-delimited JSON objects with a "type"; RunnerProtocol.md beside this file describes them. Requests
that act (setup, execute, reset) carry the sender's lease token, and the runner refuses any lower than
the highest it has seen (fencing: a holder whose lease ended cannot touch the next holder's sandbox).
Standard library only, Python 3.9 or newer.
"""

import argparse
import ast
import builtins
import errno
import io
import json
import linecache
import os
import resource
import shutil
import signal
import socket
import stat
import sys
import threading
import time
import traceback

SOCKET_NAME = "repl.sock"
# Executed code's file name in tracebacks: <cell-1>, <cell-2>...
CELL_PREFIX = "<cell-"
READ_CHUNK = 65536
# Forked children and thread start failures surface as these; the host then discards the sandbox.
LIMIT_ERRNOS = (errno.EAGAIN, errno.ENOMEM)
THREAD_LIMIT_MESSAGE = "can't start new thread"
# Where bwrap and container sandboxes show the runner (SlotLayout.runnerInside).
RUNNER_INSIDE = "/opt/shesha/repl_runner.py"
# The host's pid namespace has this inode number on every Linux since 3.8 (PROC_PID_INIT_INO).
INITIAL_PID_NAMESPACE = 0xEFFFFFFC

RUNNER_PID = os.getpid()
BOX = os.getcwd()
PRISTINE_BUILTINS = dict(builtins.__dict__)
_dumps = json.dumps
_loads = json.loads


class ConnectionClosed(Exception):
    """The host closed the connection (or it broke): go back to accepting."""


class Connection:
    """One host connection: whole lines in, whole lines out."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = bytearray()

    def read_line(self):
        """The next line without its newline, as bytes; ConnectionClosed at the end."""
        searched = 0
        while True:
            end = self.buffer.find(b"\n", searched)
            if end >= 0:
                line = bytes(self.buffer[:end])
                del self.buffer[: end + 1]
                return line
            searched = len(self.buffer)
            try:
                chunk = self.sock.recv(READ_CHUNK)
            except OSError as error:
                raise ConnectionClosed(str(error)) from None
            if not chunk:
                raise ConnectionClosed("end of stream")
            self.buffer += chunk

    def send(self, message):
        # Lone surrogates (from bytes decoded with surrogateescape) cannot be UTF-8: they become "?".
        data = (_dumps(message, ensure_ascii=False) + "\n").encode("utf-8", "replace")
        try:
            self.sock.sendall(data)
        except OSError as error:
            raise ConnectionClosed(str(error)) from None


class BadRequest(Exception):
    """A request the runner cannot act on; answered with an error message, and serving goes on."""

    code = "bad_request"


class StaleLease(BadRequest):
    """A request without a lease token, or with one lower than the highest seen: its lease has ended and
    the sandbox belongs to a later holder. Nothing of it runs."""

    code = "stale_lease"


# Requests that change the sandbox, and so must carry a current lease token.
FENCED_REQUESTS = ("setup", "execute", "reset")


class LLMQueryError(Exception):
    """A failed item of llm_query_batched: returned in that item's place, not raised, so the other
    answers stand. str() of it is the host's reason."""


class Execution:
    """What one execute request recorded through FINAL, FINAL_VAR and llm_query."""

    def __init__(self, connection):
        self.connection = connection
        self.final_answer = None
        self.final_var = None
        self.final_value = None


class Runner:
    def __init__(self):
        self.namespace = {}
        self.execution = None
        # Serialises llm_query round trips from several threads, and the result line after them.
        self.wire_lock = threading.Lock()
        self.cell = 0
        # The highest lease token any request carried; only ever grows (kept in memory: a new runner is
        # a new sandbox, which no earlier holder has used).
        self.highest_token = 0
        # The builtins as the code left them: the code sees its changes, the runner never does.
        self.user_builtins = dict(PRISTINE_BUILTINS)
        self.fill_namespace([])

    # The helpers executed code sees.

    def fill_namespace(self, documents):
        self.namespace.clear()
        self.namespace.update(
            __name__="__main__",
            __builtins__=builtins,
            context=documents,
            llm_query=self.llm_query,
            llm_query_batched=self.llm_query_batched,
            rlm_query=self.rlm_query,
            LLMQueryError=LLMQueryError,
            FINAL=self.final,
            FINAL_VAR=self.final_var,
        )

    def llm_query(self, instruction, content):
        """Asks the host's language model; returns its answer, or raises RuntimeError with its error."""
        if not isinstance(instruction, str) or not isinstance(content, str):
            raise TypeError("llm_query(instruction, content) takes two strings")
        reply = self.ask_host([{"type": "llm_query", "instruction": instruction, "content": content}], "llm_query")
        return answer_of(reply, "llm_query")

    def llm_query_batched(self, pairs):
        """Asks the host's language model once per (instruction, content) pair; the host runs the calls
        concurrently, up to its cap. Returns the answers in the pairs' order; a failed item is an
        LLMQueryError in its own place."""
        items = []
        for pair in pairs:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError("llm_query_batched takes a list of (instruction, content) pairs")
            instruction, content = pair
            if not isinstance(instruction, str) or not isinstance(content, str):
                raise TypeError("llm_query_batched: each instruction and content must be a string")
            items.append({"type": "llm_query_item", "instruction": instruction, "content": content})
        if not items:
            return []
        messages = [{"type": "llm_query_batched", "count": len(items)}] + items
        reply = self.ask_host(messages, "llm_query_batched")
        results = reply.get("results")
        if reply.get("type") != "llm_batch_answer" or not isinstance(results, list) or len(results) != len(items):
            raise RuntimeError("the host sent something other than an llm_batch_answer for %d items" % len(items))
        answers = []
        for result in results:
            if isinstance(result, dict) and isinstance(result.get("answer"), str):
                answers.append(result["answer"])
            elif isinstance(result, dict) and isinstance(result.get("error"), str):
                answers.append(LLMQueryError(result["error"]))
            else:
                raise RuntimeError("the host's llm_batch_answer has an item with neither an answer nor an error")
        return answers

    def rlm_query(self, question, content):
        """Asks a child query (its own model loop and sandbox) about `content`; returns its final answer,
        or raises RuntimeError with why there is none."""
        if not isinstance(question, str) or not isinstance(content, str):
            raise TypeError("rlm_query(question, content) takes two strings")
        reply = self.ask_host([{"type": "rlm_query", "question": question, "content": content}], "rlm_query")
        return answer_of(reply, "rlm_query")

    def ask_host(self, messages, name):
        """Sends `messages` to the host while code executes and returns its one reply, a dict."""
        if os.getpid() != RUNNER_PID:
            raise RuntimeError("%s cannot be called from a forked process" % name)
        with self.wire_lock:
            execution = self.execution
            if execution is None:
                raise RuntimeError("%s can only be called while code is executing" % name)
            connection = execution.connection
            try:
                for message in messages:
                    connection.send(message)
                line = connection.read_line()
            except ConnectionClosed as closed:
                raise RuntimeError("the host connection closed during %s: %s" % (name, closed)) from None
        try:
            reply = _loads(line.decode("utf-8"))
        except ValueError as error:
            raise RuntimeError("the host sent an unreadable answer to %s: %s" % (name, error)) from None
        if not isinstance(reply, dict):
            raise RuntimeError("the host sent something other than a JSON object in answer to %s" % name)
        return reply

    def final(self, answer):
        """Records the final answer; the code goes on."""
        if self.execution is not None:
            self.execution.final_answer = str(answer)

    def final_var(self, name):
        """Records a variable's value as the final answer; a missing name raises NameError."""
        name = str(name)
        if name not in self.namespace:
            raise NameError("FINAL_VAR: name %r is not defined" % name)
        if self.execution is not None:
            self.execution.final_var = name
            self.execution.final_value = str(self.namespace[name])

    # Requests.

    def handle(self, connection, line):
        try:
            request = _loads(line.decode("utf-8"))
        except UnicodeDecodeError as error:
            raise BadRequest("the request is not UTF-8: %s" % error) from None
        except ValueError as error:
            raise BadRequest("the request is not JSON: %s" % error) from None
        if not isinstance(request, dict):
            raise BadRequest("the request is not a JSON object")
        kind = request.get("type")
        if kind in FENCED_REQUESTS:
            self.admit(request.get("token"))
        if kind == "ping":
            connection.send({"type": "pong"})
        elif kind == "setup":
            documents = request.get("context")
            if not isinstance(documents, list) or not all(isinstance(d, str) for d in documents):
                raise BadRequest("setup needs \"context\": a list of strings")
            self.namespace["context"] = documents
            connection.send({"type": "ok"})
        elif kind == "reset":
            self.reset()
            connection.send({"type": "ok"})
        elif kind == "execute":
            code = request.get("code")
            if not isinstance(code, str):
                raise BadRequest("execute needs \"code\": a string")
            result = self.execute(connection, code)
            with self.wire_lock:
                self.execution = None
                try:
                    connection.send(result)
                except MemoryError:
                    connection.send(MEMORY_ERROR_RESULT)
        elif kind == "llm_answer":
            raise BadRequest("llm_answer arrived while no llm_query was waiting")
        elif kind is None:
            raise BadRequest("the request has no \"type\"")
        else:
            raise BadRequest("unknown request type %r" % (kind,))

    def admit(self, token):
        """Accepts a token at least as high as any seen before, which becomes the highest; refuses others."""
        if not isinstance(token, int) or isinstance(token, bool) or token <= 0:
            raise StaleLease("the request carries no lease token (\"token\": a positive integer)")
        if token < self.highest_token:
            raise StaleLease(
                "lease token %d is stale: the sandbox has since been handed on (token %d)" % (token, self.highest_token)
            )
        self.highest_token = token

    def execute(self, connection, code):
        self.cell += 1
        filename = "%s%d>" % (CELL_PREFIX, self.cell)
        self.execution = execution = Execution(connection)
        stdout, stderr = capture(), capture()
        saved = sys.stdin, sys.stdout, sys.stderr
        sys.stdin, sys.stdout, sys.stderr = io.StringIO(""), stdout, stderr
        replace_contents(builtins.__dict__, self.user_builtins)
        value = None
        failure = None
        try:
            # So tracebacks show the source lines of the code.
            linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
            value = self.run(code, filename)
        except BaseException as raised:  # SystemExit and KeyboardInterrupt too: they end the code, not us.
            failure = raised
        finally:
            if os.getpid() != RUNNER_PID:
                # A process forked by the code must never reach the socket.
                os._exit(0)
            self.user_builtins = dict(builtins.__dict__)
            replace_contents(builtins.__dict__, PRISTINE_BUILTINS)
            sys.stdin, sys.stdout, sys.stderr = saved
        try:
            return result_message(execution, stdout, stderr, value, failure)
        except MemoryError:
            return MEMORY_ERROR_RESULT

    def run(self, code, filename):
        """Executes `code`; returns repr() of its last statement when that is an expression not None."""
        tree = ast.parse(code, filename, "exec")
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, filename, "exec"), self.namespace)
        if last is None:
            return None
        value = eval(compile(last, filename, "eval"), self.namespace)
        return None if value is None else repr(value)

    def reset(self):
        stop_other_processes()
        signal.alarm(0)  # an alarm the code set would kill the next holder's runner
        self.fill_namespace([])
        self.user_builtins = dict(PRISTINE_BUILTINS)
        for key in [key for key in linecache.cache if key.startswith(CELL_PREFIX)]:
            del linecache.cache[key]
        try:
            os.chdir(BOX)
        except OSError:
            pass
        empty_folder(BOX, keep=SOCKET_NAME)
        if owns_pid_namespace():
            empty_folder("/tmp", keep=None)


def answer_of(reply, name):
    """The answer in an llm_answer reply; its error raised as RuntimeError."""
    if reply.get("type") != "llm_answer":
        raise RuntimeError("the host sent something other than an llm_answer to %s" % name)
    if isinstance(reply.get("error"), str):
        raise RuntimeError(reply["error"])
    answer = reply.get("answer")
    if not isinstance(answer, str):
        raise RuntimeError("the host's llm_answer has neither an answer nor an error")
    return answer


def replace_contents(target, source):
    """Makes `target` equal `source` without looking up a builtin name (they may be the code's)."""
    for name in target.keys() - source.keys():
        del target[name]
    target.update(source)


def capture():
    """A text stream like sys.stdout (it has .buffer) that never fails to encode."""
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace", write_through=True)


def captured_text(stream):
    try:
        stream.flush()
        return stream.buffer.getvalue().decode("utf-8", "replace")
    except (ValueError, AttributeError):  # the code closed or replaced the stream's buffer
        return ""


def result_message(execution, stdout, stderr, value, failure):
    error = None
    if failure is not None:
        error = {
            "type": type(failure).__name__,
            "message": str(failure),
            "traceback": "".join(traceback.format_exception(type(failure), failure, user_frames(failure))),
        }
    return {
        "type": "result",
        "status": "ok" if failure is None else "error",
        "stdout": captured_text(stdout),
        "stderr": captured_text(stderr),
        "value": value,
        "error": error,
        "final_answer": execution.final_answer,
        "final_var": execution.final_var,
        "final_value": execution.final_value,
        "limit_hit": failure is not None and hit_limit(failure),
    }


# Sent when the code left so little memory that the real result cannot be built.
MEMORY_ERROR_RESULT = {
    "type": "result",
    "status": "error",
    "stdout": "",
    "stderr": "",
    "value": None,
    "error": {"type": "MemoryError", "message": "out of memory (the output was lost)", "traceback": ""},
    "final_answer": None,
    "final_var": None,
    "final_value": None,
    "limit_hit": True,
}


def user_frames(failure):
    """The traceback from the first frame of the executed code on (none for a syntax error): the frames of
    the runner and of its compiling say nothing to the code's author."""
    frames = failure.__traceback__
    while frames is not None and not frames.tb_frame.f_code.co_filename.startswith(CELL_PREFIX):
        frames = frames.tb_next
    return frames


def hit_limit(failure):
    """Whether a resource limit caused `failure`, anywhere in its chain of causes and contexts.

    fork() raises OSError EAGAIN at the process limit (ENOMEM at the memory limit) and a thread that cannot
    start raises RuntimeError; an EAGAIN from non-blocking I/O is counted too, which only costs a sandbox."""
    seen = set()
    pending = [failure]
    while pending:
        error = pending.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, MemoryError):
            return True
        if isinstance(error, OSError) and error.errno in LIMIT_ERRNOS:
            return True
        if isinstance(error, RuntimeError) and THREAD_LIMIT_MESSAGE in str(error):
            return True
        pending += [error.__cause__, error.__context__]
    return False


def owns_pid_namespace():
    """Whether every process in our pid namespace, and /tmp, belong to the sandbox: the runner runs where
    bwrap and container sandboxes show it, in a pid namespace other than the host's. Never for the
    `process` backend, which runs the runner from its slot folder among the host's processes."""
    try:
        return (
            os.path.abspath(__file__) == RUNNER_INSIDE
            and os.stat("/proc/self/ns/pid").st_ino != INITIAL_PID_NAMESPACE
        )
    except OSError:
        return False


def stop_other_processes():
    """Kills what the code started: everything in the sandbox but pid 1 and us, or without a pid
    namespace of our own, our descendants only. Our own children are waited for, so none is left even
    as a zombie; the others' new parent (pid 1) reaps them."""
    for _ in range(3):  # a process may fork while we scan
        table = process_table()
        victims = other_processes(table) if owns_pid_namespace() else descendants(table)
        if not victims:
            break
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for pid in victims:
            if table[pid] == RUNNER_PID:
                try:
                    os.waitpid(pid, 0)
                except OSError:
                    pass
    reap_children()


def process_table():
    """{pid: parent pid} from /proc."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as file:
                fields = file.read().rsplit(b")", 1)[1].split()
            table[int(name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            pass
    return table


def other_processes(table):
    return [pid for pid in table if pid not in (1, RUNNER_PID)]


def descendants(table):
    found = []
    frontier = [RUNNER_PID]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in table.items() if ppid == parent and pid not in found]
        found += children
        frontier += children
    return found


def reap_children():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except OSError:  # ChildProcessError: none left
            return
        if pid == 0:
            return


def empty_folder(folder, keep):
    """Removes everything in `folder` but the entry named `keep`, ignoring what cannot be removed."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name == keep:
            continue
        path = os.path.join(folder, name)
        try:
            if stat.S_ISDIR(os.lstat(path).st_mode):
                shutil.rmtree(path, onerror=make_writable_and_retry)
            else:
                os.unlink(path)
        except OSError:
            pass


def make_writable_and_retry(function, path, _):
    """The code may have left folders without write or search permission."""
    try:
        os.chmod(os.path.dirname(path), 0o700)
        if os.path.isdir(path) and not os.path.islink(path):
            os.chmod(path, 0o700)
        function(path)
    except OSError:
        pass


def listen():
    """Binds the socket afresh (a stale one from an earlier runner may be there); returns it and the
    identity of its file."""
    path = os.path.join(BOX, SOCKET_NAME)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # The relative name, so the box's path length never matters (sun_path holds 108 bytes).
    os.chdir(BOX)
    server.bind(SOCKET_NAME)
    os.chmod(SOCKET_NAME, 0o600)
    server.listen(8)
    return server, file_identity(path)


def file_identity(path):
    try:
        info = os.lstat(path)
        return info.st_dev, info.st_ino
    except OSError:
        return None


def serve_connection(runner, sock):
    connection = Connection(sock)
    while True:
        try:
            line = connection.read_line()
        except MemoryError:
            return  # a request too big to hold: the connection cannot be resynchronised
        try:
            runner.handle(connection, line)
        except BadRequest as bad:
            connection.send({"type": "error", "code": bad.code, "message": str(bad)})


def serve(runner):
    server, identity = listen()
    log("serving %s in %s (pid %d)" % (SOCKET_NAME, BOX, RUNNER_PID))
    while True:
        sock = None
        try:
            # The code may have removed or replaced our socket file, and no new host could reach us.
            if file_identity(os.path.join(BOX, SOCKET_NAME)) != identity:
                server.close()
                server, identity = listen()
            sock, _ = server.accept()
            serve_connection(runner, sock)
        except ConnectionClosed:
            pass
        except BaseException as error:  # the runner outlives anything a connection does, even a SIGINT
            if os.getpid() != RUNNER_PID:
                os._exit(0)
            log("connection ended by %s: %s" % (type(error).__name__, error))
            time.sleep(0.05)  # should listen() keep failing, do not spin
        finally:
            runner.execution = None
            if sock is not None:
                try:
                    sock.close()
                except OSError:
                    pass


def log(message):
    try:
        sys.__stderr__.write("repl_runner: %s\n" % message)
        sys.__stderr__.flush()
    except (OSError, ValueError, AttributeError):
        pass


def positive_int(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive integer, not %s" % text)
    return value


def main():
    parser = argparse.ArgumentParser(description="shesha-pool's sandboxed Python REPL runner")
    parser.add_argument("--memory", type=positive_int, help="address-space limit in bytes (RLIMIT_AS)")
    parser.add_argument("--pids", type=positive_int, help="process limit (RLIMIT_NPROC)")
    arguments = parser.parse_args()
    try:
        if arguments.memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (arguments.memory, arguments.memory))
        if arguments.pids is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (arguments.pids, arguments.pids))
    except (OSError, ValueError) as error:
        log("cannot apply the limits: %s" % error)
        sys.exit(2)
    serve(Runner())


if __name__ == "__main__":
    main()
