#!/usr/bin/env python3
"""A stand-in for the firecracker binary in Wrenn's driver tests (not a VMM).

Serves Firecracker's HTTP API on --api-sock and answers each request from a recorded exchange
(WRENN_FAKE_FIRECRACKER_EXCHANGE: a JSON list of {"request": {...}, "response": {...}}), logging
every request it gets to <api-sock>.log as JSON lines. Like the real one it writes snapshot files
on /snapshot/create (a full memory image, or a sparse diff of a few pages) and, on /snapshot/load
with the Uffd backend, maps guest memory, registers it with a userfaultfd, hands the fd and the
region list to the page server, reads all of memory back (every page faults in through the page
server) and logs its SHA-256.
"""
import array, ctypes, hashlib, json, os, socket, socketserver, sys, threading
from http.server import BaseHTTPRequestHandler

MEMORY_MB = int(os.environ.get("WRENN_FAKE_FIRECRACKER_MEMORY_MB", "16"))
EXCHANGE = json.load(open(os.environ["WRENN_FAKE_FIRECRACKER_EXCHANGE"]))
API = sys.argv[sys.argv.index("--api-sock") + 1]
LOG = API + ".log"
lock = threading.Lock()
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p]
memory = []  # keeps the mapping of a restored "guest" alive


def log(entry):
    with lock, open(LOG, "a") as f:
        f.write(json.dumps(entry) + "\n")


def page(number, seed):
    return hashlib.sha256(f"{seed}:{number}".encode()).digest() * 128


def write_snapshot(body):
    open(body["snapshot_path"], "wb").write(b"device state " + body["snapshot_type"].encode())
    size = MEMORY_MB << 20
    with open(body["mem_file_path"], "wb") as f:
        f.truncate(size)
        if body["snapshot_type"] == "Full":
            for n in range(size // 4096):
                f.write(b"\0" * 4096 if n % 3 == 1 else page(n, 1))
        else:
            # Dirty: page 0 rewritten, page 2 cleared (non-zero before), page 4 written (zero before).
            for n, data in ((0, page(0, 2)), (2, b"\0" * 4096), (4, page(4, 2))):
                f.seek(n * 4096)
                f.write(data)


def serve_memory(backend):
    uffd = libc.syscall(323, os.O_CLOEXEC | os.O_NONBLOCK)
    api = (ctypes.c_uint64 * 3)(0xAA, 0, 0)
    assert uffd >= 0 and libc.ioctl(uffd, 0xC018AA3F, api) == 0, ctypes.get_errno()
    size = MEMORY_MB << 20
    address = libc.mmap(None, size, 3, 0x22 | 0x4000, -1, 0)
    register = (ctypes.c_uint64 * 4)(address, size, 1, 0)
    assert libc.ioctl(uffd, 0xC020AA00, register) == 0, ctypes.get_errno()
    memory.append((uffd, address))
    regions = [{"base_host_virt_addr": address, "size": size, "offset": 0, "page_size": 4096}]
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(backend)
        s.sendmsg([json.dumps(regions).encode()], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [uffd]))])
    log({"memory_sha256": hashlib.sha256(ctypes.string_at(address, size)).hexdigest()})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        path = self.path.rstrip("/") or "/"
        log({"method": self.command, "path": path, "body": body})
        reply = next((e["response"] for e in EXCHANGE
                      if e["request"]["method"] == self.command and e["request"]["path"] == path),
                     {"status": 400, "body": {"fault_message": "not in the recorded exchange"}})
        if reply["status"] < 300 and path == "/snapshot/create":
            write_snapshot(body)
        if reply["status"] < 300 and path == "/snapshot/load":
            threading.Thread(target=serve_memory, args=(body["mem_backend"]["backend_path"],), daemon=True).start()
        data = json.dumps(reply["body"]).encode() if reply.get("body") is not None else b""
        self.send_response(reply["status"])
        self.send_header("Content-Length", str(len(data)))
        if data:
            self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_PATCH = handle_any

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self):
        request, _ = self.socket.accept()
        return request, ("fake", 0)


if os.path.exists(API):
    os.unlink(API)
Server(API, Handler).serve_forever()
