/*
 * The container monitor: skiff's conmon, in C so that a process that lives
 * as long as its container costs little memory. It runs from a constructor
 * before the Go runtime starts, when _SKIFF_ROLE=monitor, and never returns.
 *
 * It is mechanism only; every decision is Go's:
 *   - the CLI (runtime/container/start.go) prepares everything: the init's
 *     configuration file, the namespaces to join, the arguments below;
 *   - the monitor starts the init (skiff's "init" role, Go) in new
 *     namespaces, reports "pid N" or "error CODE MSG" to the CLI, copies the
 *     container's output to the json-file log and to attached clients, feeds
 *     their input, and reaps the container;
 *   - then, when the attached client that started the container offered
 *     to (run, start -a), it hands the exit to that client, which records
 *     it and cleans up (--rm included) itself; otherwise, or when that
 *     client goes away first, it execs skiff's "cleanup" role (Go) in
 *     place, handing over the exit status and the attached clients, which
 *     records the exit, cleans up, removes (--rm) or restarts, and tells
 *     the clients the exit code.
 *
 * Arguments: --socket=PATH [--log=PATH [--log-max-size=BYTES
 *   --log-max-files=N]] [--log-format=json-file|k8s-file] [--journald=ID:NAME]
 *   [--passthrough] --init-config=PATH --rundir=PATH
 *   --clone-flags=N [--ns=TYPE:PATH ...] [--tty] [--stdin] [--stdin-once]
 *   [--client] [--init-exe] [--uid-map=C:H:S,... --gid-map=C:H:S,...]
 *   [--timeout=SECONDS] [--preserve-fds=N:FIRST] [--hold=FD]
 * Logs (--log) are docker's json-file or podman's k8s-file format; with
 * --journald each line goes to the journal's socket instead; with
 * --passthrough the container's standard streams are the monitor's own
 * (the CLI's), and nothing is logged or copied to clients.
 * --timeout kills the container that many seconds after its start and
 * reports -1 as its exit code (podman's run --timeout).
 * --hold: wait for one byte on descriptor FD before starting the init
 * (end of file: give up), while the CLI places the monitor in the
 * container's systemd scope, so that the init is born inside it.
 * --preserve-fds: the N descriptors from FIRST on are passed to the
 * container's process as 3 to 3+N-1 (run --preserve-fds); the init's own
 * follow them, which it learns from _SKIFF_PRESERVE_FDS.
 * With the maps the init gets a user namespace of its own (CLONE_NEWUSER
 * among the clone flags): the monitor writes its uid_map and gid_map, from
 * the user namespace it runs in, before the init goes on as root in it.
 * Descriptors: 3 the report pipe to the CLI, 4 the first attach client
 *   (with --client), 5 the sealed program the init runs from (with
 *   --init-exe: runtime/initexe; else a sealed view of this binary).
 * The attach protocol (runtime/attach): frames [kind][len be32][payload].
 * The KIND_* values below are runtime/attach's; kinds_test.go checks it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <grp.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/mount.h>

enum {
	KIND_STDIN = 0,
	KIND_STDOUT = 1,
	KIND_STDERR = 2,
	KIND_EXIT = 3,
	KIND_RESIZE = 4,
	KIND_CLOSE_STDIN = 5,
	KIND_HELLO = 6,
	KIND_REAPED = 7,
	KIND_CLEANED_UP = 8,
};

#define MAX_CLIENTS 64
#define MAX_NS 8
#define MAX_FRAME (1 << 20)
#define LINE_MAX_LOG (16 * 1024)
#define HANDOVER_TIMEOUT_S 10
#define REPORT_FD 3
#define FIRST_CLIENT_FD 4
#define INIT_EXE_FD 5 /* with --init-exe */

struct client {
	int fd;
	int hello; /* hello received */
	int want[3]; /* stdin, stdout, stderr */
	int cleanup; /* offered to record the exit and clean up (hello cleanup=1) */
	int cleaned; /* said it did (KIND_CLEANED_UP) */
	unsigned char hdr[5];
	size_t hdr_have;
	char *payload;
	uint32_t payload_len, payload_have;
};

struct stream {
	int fd; /* -1 when done */
	const char *name;
	int kind;
	char partial[LINE_MAX_LOG];
	size_t partial_len;
};

static struct {
	const char *socket, *log, *init_config, *rundir;
	unsigned long clone_flags;
	int hold_fd; /* --hold: 0 for none */
	char ns_type[MAX_NS][16];
	const char *ns_path[MAX_NS];
	int nns;
	int tty, open_stdin, stdin_once, has_client, init_exe;
	long long log_max_size; /* rotate the log past this many bytes; 0: never */
	long health_ms;         /* run the health role this often; 0: never */
	int log_max_files;      /* files kept, the live one included */
	const char *uid_map, *gid_map; /* "C:H:S,..." for a new user namespace */
	int k8s_file;                  /* podman's k8s-file log format */
	const char *journal_id, *journal_name; /* --journald: log to the journal */
	int passthrough;               /* the container's stdio are the monitor's */
	long timeout_s;                /* kill the container after this long; 0: never */
	int preserve_fds, preserve_at; /* descriptors passed on to the process */
} cfg;

static struct client clients[MAX_CLIENTS];
static struct stream out[2];
static int stdin_fd = -1; /* pipe write end, or the console */
static int console_fd = -1;
static int log_fd = -1;
static int listen_fd = -1;
static unsigned short size_rows, size_cols;

static void die(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dprintf(REPORT_FD, "error 125 %s\n", msg);
	_exit(125);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = { .fd = fd, .events = POLLOUT };
				poll(&pfd, 1, 1000);
				continue;
			}
			return -1;
		}
		p += n;
		len -= (size_t) n;
	}
	return 0;
}

/* ---- configuration ---- */

static void parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (strncmp(a, "--socket=", 9) == 0)
			cfg.socket = a + 9;
		else if (strncmp(a, "--log=", 6) == 0)
			cfg.log = a + 6;
		else if (strncmp(a, "--log-max-size=", 15) == 0)
			cfg.log_max_size = strtoll(a + 15, NULL, 10);
		else if (strncmp(a, "--log-max-files=", 16) == 0)
			cfg.log_max_files = atoi(a + 16);
		else if (strncmp(a, "--health-interval=", 18) == 0)
			cfg.health_ms = strtol(a + 18, NULL, 10);
		else if (strncmp(a, "--init-config=", 14) == 0)
			cfg.init_config = a + 14;
		else if (strncmp(a, "--rundir=", 9) == 0)
			cfg.rundir = a + 9;
		else if (strncmp(a, "--clone-flags=", 14) == 0)
			cfg.clone_flags = strtoul(a + 14, NULL, 10);
		else if (strncmp(a, "--ns=", 5) == 0 && cfg.nns < MAX_NS) {
			char *colon = strchr(a + 5, ':');
			if (colon == NULL || (size_t) (colon - (a + 5)) >= sizeof(cfg.ns_type[0]))
				die("bad --ns argument %s", a);
			memcpy(cfg.ns_type[cfg.nns], a + 5, (size_t) (colon - (a + 5)));
			cfg.ns_path[cfg.nns++] = colon + 1;
		} else if (strcmp(a, "--tty") == 0)
			cfg.tty = 1;
		else if (strcmp(a, "--stdin") == 0)
			cfg.open_stdin = 1;
		else if (strcmp(a, "--stdin-once") == 0)
			cfg.stdin_once = 1;
		else if (strcmp(a, "--client") == 0)
			cfg.has_client = 1;
		else if (strcmp(a, "--init-exe") == 0)
			cfg.init_exe = 1;
		else if (strncmp(a, "--uid-map=", 10) == 0)
			cfg.uid_map = a + 10;
		else if (strncmp(a, "--gid-map=", 10) == 0)
			cfg.gid_map = a + 10;
		else if (strcmp(a, "--log-format=k8s-file") == 0)
			cfg.k8s_file = 1;
		else if (strncmp(a, "--journald=", 11) == 0) {
			char *colon = strchr(a + 11, ':');
			if (colon == NULL)
				die("bad --journald argument %s", a);
			*colon = '\0';
			cfg.journal_id = a + 11;
			cfg.journal_name = colon + 1;
		} else if (strcmp(a, "--passthrough") == 0)
			cfg.passthrough = 1;
		else if (strncmp(a, "--timeout=", 10) == 0)
			cfg.timeout_s = strtol(a + 10, NULL, 10);
		else if (strncmp(a, "--hold=", 7) == 0)
			cfg.hold_fd = atoi(a + 7);
		else if (strncmp(a, "--preserve-fds=", 15) == 0) {
			if (sscanf(a + 15, "%d:%d", &cfg.preserve_fds, &cfg.preserve_at) != 2 || cfg.preserve_fds < 0 || cfg.preserve_at < 3)
				die("bad --preserve-fds argument %s", a);
		}
	}
	if ((cfg.uid_map == NULL) != (cfg.gid_map == NULL) || ((cfg.clone_flags & CLONE_NEWUSER) != 0) != (cfg.uid_map != NULL))
		die("a user namespace needs both --uid-map and --gid-map");
	if (cfg.log_max_files < 1)
		cfg.log_max_files = 1;
	if (!cfg.socket || !cfg.init_config || !cfg.rundir)
		die("monitor started without its configuration");
}

/* ---- attach socket ---- */

static int listen_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char shortpath[64];
	int dirfd = -1;
	unlink(path);
	if (strlen(path) >= sizeof(sa.sun_path)) {
		/* too long for sockaddr_un: go through the directory's fd */
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s", path);
		char *slash = strrchr(dir, '/');
		if (slash == NULL)
			return -1;
		*slash = '\0';
		dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0)
			return -1;
		snprintf(shortpath, sizeof(shortpath), "/proc/self/fd/%d/", dirfd);
		if (strlen(shortpath) + strlen(slash + 1) >= sizeof(sa.sun_path)) {
			close(dirfd);
			return -1;
		}
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s%s", shortpath, slash + 1);
	} else {
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0 && (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(fd, 16) < 0)) {
		close(fd);
		fd = -1;
	}
	if (dirfd >= 0)
		close(dirfd);
	return fd;
}

static void set_size(void)
{
	if (console_fd >= 0 && size_rows && size_cols) {
		struct winsize ws = { .ws_row = size_rows, .ws_col = size_cols };
		ioctl(console_fd, TIOCSWINSZ, &ws);
	}
}

/* parse "stdin=1 stdout=1 stderr=0 rows=30 cols=100" */
static void parse_hello(struct client *c, const char *p, size_t len)
{
	char buf[256];
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	char *save, *tok = strtok_r(buf, " ", &save);
	for (; tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		long v = strtol(eq + 1, NULL, 10);
		if (strcmp(tok, "stdin") == 0)
			c->want[0] = v != 0;
		else if (strcmp(tok, "stdout") == 0)
			c->want[1] = v != 0;
		else if (strcmp(tok, "stderr") == 0)
			c->want[2] = v != 0;
		else if (strcmp(tok, "cleanup") == 0)
			c->cleanup = v != 0;
		else if (strcmp(tok, "rows") == 0)
			size_rows = (unsigned short) v;
		else if (strcmp(tok, "cols") == 0)
			size_cols = (unsigned short) v;
	}
	c->hello = 1;
}

static struct client *add_client(int fd)
{
	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (clients[i].fd < 0) {
			memset(&clients[i], 0, sizeof(clients[i]));
			clients[i].fd = fd;
			return &clients[i];
		}
	}
	close(fd);
	return NULL;
}

static void close_stdin(void)
{
	if (stdin_fd < 0)
		return;
	if (cfg.tty) {
		write_all(stdin_fd, "\x04", 1); /* end of input on a terminal */
		return;
	}
	close(stdin_fd);
	stdin_fd = -1;
}

static void drop_client(struct client *c)
{
	/* As docker: a terminal's input is never closed because its client
	 * went away (run -it, then ctrl-p ctrl-q, must leave the shell
	 * running); only an explicit KIND_CLOSE_STDIN ends it. */
	if (c->want[0] && cfg.stdin_once && !cfg.tty)
		close_stdin();
	close(c->fd);
	free(c->payload);
	c->fd = -1;
	c->payload = NULL;
}

static void handle_frame(struct client *c, int kind, const char *p, uint32_t len)
{
	if (!c->hello) {
		if (kind == KIND_HELLO)
			parse_hello(c, p, len);
		set_size();
		return;
	}
	switch (kind) {
	case KIND_STDIN:
		if (c->want[0] && stdin_fd >= 0)
			write_all(stdin_fd, p, len);
		break;
	case KIND_CLOSE_STDIN:
		if (c->want[0] && cfg.stdin_once)
			close_stdin();
		break;
	case KIND_CLEANED_UP:
		c->cleaned = 1;
		break;
	case KIND_RESIZE: {
		char buf[64];
		unsigned r = 0, col = 0;
		snprintf(buf, sizeof(buf), "%.*s", (int) (len < 63 ? len : 63), p);
		if (sscanf(buf, "%u %u", &r, &col) == 2) {
			size_rows = (unsigned short) r;
			size_cols = (unsigned short) col;
			set_size();
		}
		break;
	}
	}
}

/* read what a client sent; returns -1 when it is gone */
static int read_client(struct client *c)
{
	char buf[32768];
	ssize_t n = read(c->fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	size_t off = 0;
	while (off < (size_t) n) {
		if (c->hdr_have < 5) {
			size_t take = 5 - c->hdr_have;
			if (take > (size_t) n - off)
				take = (size_t) n - off;
			memcpy(c->hdr + c->hdr_have, buf + off, take);
			c->hdr_have += take;
			off += take;
			if (c->hdr_have < 5)
				break;
			c->payload_len = ((uint32_t) c->hdr[1] << 24) | ((uint32_t) c->hdr[2] << 16) | ((uint32_t) c->hdr[3] << 8) | c->hdr[4];
			if (c->payload_len > MAX_FRAME)
				return -1;
			c->payload = realloc(c->payload, c->payload_len ? c->payload_len : 1);
			c->payload_have = 0;
		}
		size_t take = c->payload_len - c->payload_have;
		if (take > (size_t) n - off)
			take = (size_t) n - off;
		memcpy(c->payload + c->payload_have, buf + off, take);
		c->payload_have += (uint32_t) take;
		off += take;
		if (c->payload_have == c->payload_len) {
			handle_frame(c, c->hdr[0], c->payload, c->payload_len);
			c->hdr_have = 0;
		}
	}
	return 0;
}

/* the first client connected before the start: read its hello now, so
 * it sees the whole output */
static void first_client(void)
{
	struct client *c = add_client(FIRST_CLIENT_FD);
	if (c == NULL)
		return;
	while (!c->hello) {
		if (read_client(c) < 0) {
			drop_client(c);
			return;
		}
	}
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	fcntl(c->fd, F_SETFD, FD_CLOEXEC);
}

static void broadcast(int kind, const char *p, size_t len)
{
	unsigned char hdr[5] = { (unsigned char) kind, (unsigned char) (len >> 24), (unsigned char) (len >> 16),
				 (unsigned char) (len >> 8), (unsigned char) len };
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &clients[i];
		if (c->fd < 0 || !c->hello || !c->want[kind])
			continue;
		if (write_all(c->fd, hdr, 5) < 0 || write_all(c->fd, p, len) < 0)
			drop_client(c);
	}
}

/* ---- json-file log ---- */

static long long log_size; /* bytes in the live log file */

static int open_log(int flags)
{
	return open(cfg.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | flags, 0600);
}

/* docker's json-file rotation: LOG.N-2 -> LOG.N-1, ..., LOG -> LOG.1, then
 * a new LOG; with one file, LOG starts over */
static void rotate_log(void)
{
	char from[4200], to[4200];
	for (int i = cfg.log_max_files - 1; i >= 1; i--) {
		if (i == 1)
			snprintf(from, sizeof(from), "%s", cfg.log);
		else
			snprintf(from, sizeof(from), "%s.%d", cfg.log, i - 1);
		snprintf(to, sizeof(to), "%s.%d", cfg.log, i);
		rename(from, to);
	}
	int fd = open_log(O_TRUNC);
	if (fd < 0)
		return; /* keep writing where we were */
	close(log_fd);
	log_fd = fd;
	log_size = 0;
}

static char logbuf[LINE_MAX_LOG * 6 + 128];

/* append the buffered line of o bytes to the log, rotating it first when
 * it would pass --log-max-size */
static void log_write(size_t o)
{
	if (log_fd >= 0) {
		if (cfg.log_max_size > 0 && log_size > 0 && log_size + (long long) o > cfg.log_max_size)
			rotate_log();
		if (write_all(log_fd, logbuf, o) == 0)
			log_size += (long long) o;
	}
}

/* podman's k8s-file: "TIME STREAM F|P TEXT\n", the time with the local
 * offset, P for a line cut before its newline (conmon's format) */
static void log_line_k8s(const char *stream, const char *p, size_t len)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	int full = len > 0 && p[len - 1] == '\n';
	if (full)
		len--;
	long off = tm.tm_gmtoff / 60;
	size_t o = strftime(logbuf, sizeof(logbuf), "%Y-%m-%dT%H:%M:%S", &tm);
	o += (size_t) snprintf(logbuf + o, sizeof(logbuf) - o, ".%09ld%c%02ld:%02ld %s %c ", ts.tv_nsec, off < 0 ? '-' : '+',
			       labs(off) / 60, labs(off) % 60, stream, full ? 'F' : 'P');
	memcpy(logbuf + o, p, len);
	o += len;
	logbuf[o++] = '\n';
	log_write(o);
}

/* ---- the journal (--journald): its native protocol, one datagram a line ---- */

static int journal_fd = -1;

static void journal_open(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", "/run/systemd/journal/socket");
	journal_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (journal_fd < 0 || connect(journal_fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
		die("the journal is not reachable (%s: %s): use --log-driver k8s-file or json-file", sa.sun_path, strerror(errno));
}

static void journal_line(const char *stream, const char *p, size_t len)
{
	int full = len > 0 && p[len - 1] == '\n';
	if (full)
		len--;
	int o = snprintf(logbuf, sizeof(logbuf),
			 "CONTAINER_ID_FULL=%s\nCONTAINER_ID=%.12s\nCONTAINER_NAME=%s\nSYSLOG_IDENTIFIER=%s\nPRIORITY=%d\n%sMESSAGE\n",
			 cfg.journal_id, cfg.journal_id, cfg.journal_name, cfg.journal_name, strcmp(stream, "stderr") == 0 ? 3 : 6,
			 full ? "" : "CONTAINER_PARTIAL_MESSAGE=true\n");
	uint64_t n = len; /* little endian length, then the bytes: any content */
	for (int i = 0; i < 8; i++)
		logbuf[o++] = (char) ((n >> (8 * i)) & 0xff);
	memcpy(logbuf + o, p, len);
	o += (int) len;
	logbuf[o++] = '\n';
	send(journal_fd, logbuf, (size_t) o, MSG_NOSIGNAL);
}

static void log_line(const char *stream, const char *p, size_t len)
{
	if (journal_fd >= 0) {
		journal_line(stream, p, len);
		return;
	}
	if (cfg.k8s_file) {
		log_line_k8s(stream, p, len);
		return;
	}
	char *buf = logbuf;
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t o = (size_t) snprintf(buf, sizeof(logbuf), "{\"log\":\"");
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char) p[i];
		switch (ch) {
		case '"': buf[o++] = '\\'; buf[o++] = '"'; break;
		case '\\': buf[o++] = '\\'; buf[o++] = '\\'; break;
		case '\n': buf[o++] = '\\'; buf[o++] = 'n'; break;
		case '\r': buf[o++] = '\\'; buf[o++] = 'r'; break;
		case '\t': buf[o++] = '\\'; buf[o++] = 't'; break;
		default:
			if (ch < 0x20 || ch == 0x7f)
				o += (size_t) sprintf(buf + o, "\\u%04x", ch);
			else
				buf[o++] = (char) ch;
		}
	}
	o += (size_t) snprintf(buf + o, sizeof(logbuf) - o, "\",\"stream\":\"%s\",\"time\":\"", stream);
	o += strftime(buf + o, sizeof(logbuf) - o, "%Y-%m-%dT%H:%M:%S", &tm);
	o += (size_t) snprintf(buf + o, sizeof(logbuf) - o, ".%09ldZ\"}\n", ts.tv_nsec);
	log_write(o);
}

/* log the output of s split into lines; partial lines wait (up to 16 KiB) */
static void log_output(struct stream *s, const char *p, size_t len, int flush)
{
	while (len > 0) {
		char *nl = memchr(p, '\n', len);
		size_t chunk = nl ? (size_t) (nl - p) + 1 : len;
		if (s->partial_len + chunk > sizeof(s->partial)) {
			chunk = sizeof(s->partial) - s->partial_len;
			nl = NULL;
		}
		memcpy(s->partial + s->partial_len, p, chunk);
		s->partial_len += chunk;
		p += chunk;
		len -= chunk;
		if (nl != NULL || s->partial_len == sizeof(s->partial)) {
			log_line(s->name, s->partial, s->partial_len);
			s->partial_len = 0;
		}
	}
	if (flush && s->partial_len > 0) {
		log_line(s->name, s->partial, s->partial_len);
		s->partial_len = 0;
	}
}

/* read a chunk of container output; returns 0 at its end */
static int read_output(struct stream *s)
{
	char buf[32768];
	ssize_t n = read(s->fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n <= 0) {
		log_output(s, NULL, 0, 1);
		close(s->fd);
		if (s->fd == console_fd)
			console_fd = stdin_fd = -1;
		s->fd = -1;
		return 0;
	}
	log_output(s, buf, (size_t) n, 0);
	broadcast(s->kind, buf, (size_t) n);
	return 1;
}

/* ---- starting the init ---- */

static const struct {
	const char *name;
	int flag;
} ns_flags[] = {
	{ "net", CLONE_NEWNET }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
	{ "pid", CLONE_NEWPID }, { "cgroup", CLONE_NEWCGROUP }, { "mnt", CLONE_NEWNS },
};

static int ns_flag(const char *name)
{
	for (size_t i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++)
		if (strcmp(ns_flags[i].name, name) == 0)
			return ns_flags[i].flag;
	return 0;
}

static void join_ns(int want_pid)
{
	for (int i = 0; i < cfg.nns; i++) {
		int flag = ns_flag(cfg.ns_type[i]);
		if (flag == 0 || (flag == CLONE_NEWPID) != want_pid)
			continue;
		int fd = open(cfg.ns_path[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, flag) < 0) {
			dprintf(STDERR_FILENO, "joining %s namespace %s: %s\n", cfg.ns_type[i], cfg.ns_path[i], strerror(errno));
			_exit(125);
		}
		close(fd);
	}
}

/* write_map writes "C:H:S,C:H:S" as /proc/PID/FILE, one "C H S" a line */
static int write_map(pid_t pid, const char *file, const char *spec)
{
	char path[64], buf[1024];
	size_t n = 0;
	for (const char *p = spec; *p && n < sizeof(buf) - 1; p++)
		buf[n++] = *p == ':' ? ' ' : (*p == ',' ? '\n' : *p);
	buf[n++] = '\n';
	snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = write_all(fd, buf, n);
	close(fd);
	return rc;
}

/* in the child: wait for the maps, then become root of the new namespace */
static void await_maps(int fd)
{
	char b;
	if (read(fd, &b, 1) != 1)
		_exit(125);
	close(fd);
	if (setresgid(0, 0, 0) < 0 || setgroups(0, NULL) < 0 || setresuid(0, 0, 0) < 0)
		_exit(125);
}

/*
 * sealed_exe returns a descriptor of this binary that no container process
 * can write through, for the init to be executed from (runc's CVE-2019-5736):
 * /proc/self/exe of a process in the container's namespaces then names a
 * file on a detached read-only clone of the binary's mount (open_tree,
 * mount_setattr: a few microseconds), or, where the kernel cannot, a
 * sealed memfd copy. runtime/container/sealedexe.go does the same for exec.
 */
static int clone_exe(void)
{
	int fd = (int) syscall(SYS_open_tree, AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd >= 0 || errno != EINVAL)
		return fd;
	/* Rootless, the binary was executed before skiff joined its mount
	 * namespace, and a mount of another namespace cannot be cloned: clone
	 * the binary by its path in this one when that is the same file. */
	char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 0)
		return -1;
	path[n] = '\0';
	fd = (int) syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	struct stat a, b;
	if (fd >= 0 && (fstat(fd, &a) < 0 || stat("/proc/self/exe", &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int sealed_exe(void)
{
	int fd = clone_exe();
	if (fd >= 0) {
		struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
		if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) == 0)
			return fd;
		close(fd);
	}
	int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int mem = memfd_create("skiff", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	struct stat st;
	if (src < 0 || mem < 0 || fstat(src, &st) < 0)
		die("copying the skiff binary for the container: %s", strerror(errno));
	for (off_t left = st.st_size; left > 0;) {
		ssize_t n = sendfile(mem, src, NULL, (size_t) left);
		if (n <= 0)
			die("copying the skiff binary for the container: %s", n < 0 ? strerror(errno) : "short copy");
		left -= n;
	}
	close(src);
	if (fcntl(mem, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
		die("sealing the copy of the skiff binary: %s", strerror(errno));
	return mem;
}

static pid_t start_init(int *syncfd)
{
	int sp[2], in[2] = { -1, -1 }, o[2] = { -1, -1 }, e[2] = { -1, -1 };
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		die("creating the sync socket: %s", strerror(errno));
	int cfgfd = open(cfg.init_config, O_RDONLY | O_CLOEXEC);
	if (cfgfd < 0)
		die("opening %s: %s", cfg.init_config, strerror(errno));
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (!cfg.tty && !cfg.passthrough) {
		if ((cfg.open_stdin && pipe2(in, O_CLOEXEC) < 0) || pipe2(o, O_CLOEXEC) < 0 || pipe2(e, O_CLOEXEC) < 0)
			die("creating pipes: %s", strerror(errno));
	}
	int exe = cfg.init_exe ? INIT_EXE_FD : sealed_exe();
	int maps[2] = { -1, -1 };
	if (cfg.uid_map && pipe2(maps, O_CLOEXEC) < 0)
		die("creating a pipe: %s", strerror(errno));
	/* a pid namespace to join applies to the children of the caller */
	join_ns(1);
	pid_t pid = (pid_t) syscall(SYS_clone, (unsigned long) (cfg.clone_flags | SIGCHLD), NULL, NULL, NULL, NULL);
	if (pid < 0)
		die("creating the container's namespaces: %s", strerror(errno));
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int s = 1; s < NSIG; s++)
			signal(s, SIG_DFL);
		if (maps[0] >= 0) {
			close(maps[1]);
			await_maps(maps[0]);
		}
		join_ns(0);
		/* 0-2 the container's stdio, then the preserved descriptors,
		 * then the init's configuration, sync socket and binary */
		int np = cfg.preserve_fds, n = 6 + np;
		int fds[n];
		fds[0] = cfg.tty ? null : cfg.passthrough ? 0 : (in[0] >= 0 ? in[0] : null);
		fds[1] = cfg.tty ? null : cfg.passthrough ? 1 : o[1];
		fds[2] = cfg.tty ? null : cfg.passthrough ? 2 : e[1];
		for (int i = 0; i < np; i++)
			fds[3 + i] = cfg.preserve_at + i;
		fds[3 + np] = cfgfd;
		fds[4 + np] = sp[1];
		fds[5 + np] = exe;
		/* move the sources out of the way, then into place; the
		 * binary's descriptor closes at the exec it serves */
		for (int i = 0; i < n; i++)
			fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, n + 10);
		for (int i = 0; i < n; i++)
			if (dup3(fds[i], i, i == n - 1 ? O_CLOEXEC : 0) < 0)
				_exit(125);
		syscall(SYS_close_range, (unsigned) n, ~0U, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setsid();
		char envfds[48];
		snprintf(envfds, sizeof(envfds), "_SKIFF_PRESERVE_FDS=%d", np);
		char *argv[] = { "skiff-init", NULL };
		char *envp[] = { "_SKIFF_ROLE=init", envfds, NULL };
		syscall(SYS_execveat, n - 1, "", argv, envp, AT_EMPTY_PATH);
		_exit(125);
	}
	for (int i = 0; i < cfg.preserve_fds; i++)
		close(cfg.preserve_at + i); /* the container's now */
	close(exe);
	if (maps[1] >= 0) {
		close(maps[0]);
		if (write_map(pid, "uid_map", cfg.uid_map) < 0 || write_map(pid, "gid_map", cfg.gid_map) < 0) {
			int err = errno;
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			die("writing the container's id mappings: %s", strerror(err));
		}
		if (write(maps[1], "1", 1) != 1)
			die("releasing the container's init: %s", strerror(errno));
		close(maps[1]);
	}
	close(sp[1]);
	close(cfgfd);
	if (cfg.passthrough) { /* the container has the CLI's streams; the monitor lets go */
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	close(null);
	if (!cfg.tty && !cfg.passthrough) {
		if (in[0] >= 0) {
			close(in[0]);
			stdin_fd = in[1];
		}
		close(o[1]);
		close(e[1]);
		out[0].fd = o[0];
		out[1].fd = e[0];
		fcntl(o[0], F_SETFL, O_NONBLOCK);
		fcntl(e[0], F_SETFL, O_NONBLOCK);
	}
	*syncfd = sp[0];
	return pid;
}

/* wait for the init to exec (end of file) or fail; takes the console */
static void read_sync(int fd, pid_t pid)
{
	for (;;) {
		char buf[1024];
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { buf, sizeof(buf) - 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf[n] = '\0';
		if (strncmp(buf, "console", 7) == 0) {
			struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
			if (cm && cm->cmsg_type == SCM_RIGHTS) {
				memcpy(&console_fd, CMSG_DATA(cm), sizeof(int));
				fcntl(console_fd, F_SETFL, O_NONBLOCK);
				stdin_fd = console_fd;
				out[0].fd = console_fd;
				set_size();
			}
		} else if (strncmp(buf, "error ", 6) == 0) {
			int status;
			dprintf(REPORT_FD, "%s\n", buf);
			waitpid(pid, &status, 0);
			_exit(0);
		}
	}
	close(fd);
}

/* ---- --pid host: no PID namespace ends the container's other processes ---- */

static int host_pid; /* the container shares the host's PID namespace */

static int shares_host_pid(void)
{
	if (cfg.clone_flags & CLONE_NEWPID)
		return 0;
	for (int i = 0; i < cfg.nns; i++)
		if (strcmp(cfg.ns_type[i], "pid") == 0)
			return 0;
	return 1;
}

/* kill what the container left: the monitor is a subreaper, so its
 * orphans (daemons included) are the monitor's children now */
static void kill_orphans(void)
{
	char path[64], buf[8192];
	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int) getpid());
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (char *save, *tok = strtok_r(buf, " \n", &save); tok != NULL; tok = strtok_r(NULL, " \n", &save))
		kill((pid_t) atoi(tok), SIGKILL);
}

/* ---- health checks: the Go health role, one at a time ---- */

static pid_t health_pid;
static struct timespec health_due;

static void health_schedule(void)
{
	clock_gettime(CLOCK_MONOTONIC, &health_due);
	health_due.tv_sec += cfg.health_ms / 1000;
	health_due.tv_nsec += (cfg.health_ms % 1000) * 1000000;
	if (health_due.tv_nsec >= 1000000000) {
		health_due.tv_sec++;
		health_due.tv_nsec -= 1000000000;
	}
}

/* milliseconds until the next check is due (0: now), or -1 for none */
static int health_wait(void)
{
	if (cfg.health_ms <= 0 || health_pid > 0)
		return -1;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (health_due.tv_sec - now.tv_sec) * 1000 + (health_due.tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int) ms;
}

static void health_run(void)
{
	static char env_dir[4200];
	extern char **environ;
	char *envp[32];
	int n = 0;
	snprintf(env_dir, sizeof(env_dir), "_SKIFF_RUNDIR=%s", cfg.rundir);
	envp[n++] = "_SKIFF_ROLE=health";
	envp[n++] = env_dir;
	for (char **e = environ; *e != NULL && n < 31; e++)
		if (strncmp(*e, "_SKIFF_ROLE=", 12) != 0)
			envp[n++] = *e;
	envp[n] = NULL;
	pid_t p = fork();
	if (p == 0) {
		sigset_t all;
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		char *argv[] = { "skiff-health", NULL };
		execve("/proc/self/exe", argv, envp);
		_exit(125);
	}
	if (p > 0)
		health_pid = p;
	else
		health_schedule(); /* try again later */
}

/* ---- after the exit ---- */

static int exit_code(int status)
{
	if (status == -1)
		return -1; /* killed by --timeout */
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* milliseconds until t (CLOCK_MONOTONIC); negative once past */
static long ms_until(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (t->tv_sec - now.tv_sec) * 1000 + (t->tv_nsec - now.tv_nsec) / 1000000;
}

/*
 * A client that offered (run and start -a, already a warm skiff process)
 * records the exit and cleans up itself: one process start less between
 * the container's end and the command's return. The monitor tells it the
 * exit and waits; when the client confirms, the other clients get the
 * exit and the monitor is done. A client that goes away before
 * confirming (killed), or does not confirm within HANDOVER_TIMEOUT_S
 * (stopped), leaves the work to the cleanup role, as without it:
 * recording and cleaning twice is harmless (both take the container's
 * lock).
 */
static void hand_over(int status, const struct timespec *finished)
{
	struct client *c = NULL;
	for (int i = 0; i < MAX_CLIENTS && c == NULL; i++)
		if (clients[i].fd >= 0 && clients[i].hello && clients[i].cleanup)
			c = &clients[i];
	if (c == NULL)
		return;
	if (listen_fd >= 0)
		close(listen_fd);
	listen_fd = -1;
	unlink(cfg.socket);
	char msg[96];
	int n = snprintf(msg, sizeof(msg), "code=%d finished=%lld%09ld", exit_code(status), (long long) finished->tv_sec,
			 finished->tv_nsec);
	unsigned char hdr[5] = { KIND_REAPED, 0, 0, 0, (unsigned char) n };
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
	if (write_all(c->fd, hdr, 5) < 0 || write_all(c->fd, msg, (size_t) n) < 0) {
		drop_client(c);
		return;
	}
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += HANDOVER_TIMEOUT_S;
	while (!c->cleaned) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (deadline.tv_sec - now.tv_sec) * 1000 + (deadline.tv_nsec - now.tv_nsec) / 1000000;
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		if (ms <= 0 || (poll(&pfd, 1, (int) ms) == 0) || read_client(c) < 0) {
			drop_client(c);
			return;
		}
	}
	drop_client(c);
	n = snprintf(msg, sizeof(msg), "{\"code\":%d}", exit_code(status));
	hdr[0] = KIND_EXIT;
	hdr[4] = (unsigned char) n;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (clients[i].fd < 0)
			continue;
		fcntl(clients[i].fd, F_SETFL, fcntl(clients[i].fd, F_GETFL) & ~O_NONBLOCK);
		if (write_all(clients[i].fd, hdr, 5) == 0)
			write_all(clients[i].fd, msg, (size_t) n);
		close(clients[i].fd);
	}
	_exit(0);
}

static void exec_cleanup(int status, const struct timespec *finished)
{
	char env_exit[64], env_fds[64 * 8] = "_SKIFF_ATTACH_FDS=", env_fin[64], env_dir[4200];
	const struct timespec ts = *finished;
	int code = exit_code(status);
	snprintf(env_exit, sizeof(env_exit), "_SKIFF_EXIT_CODE=%d", code);
	snprintf(env_fin, sizeof(env_fin), "_SKIFF_FINISHED=%lld%09ld", (long long) ts.tv_sec, ts.tv_nsec);
	snprintf(env_dir, sizeof(env_dir), "_SKIFF_RUNDIR=%s", cfg.rundir);
	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (clients[i].fd < 0)
			continue;
		fcntl(clients[i].fd, F_SETFD, 0);
		fcntl(clients[i].fd, F_SETFL, fcntl(clients[i].fd, F_GETFL) & ~O_NONBLOCK);
		size_t l = strlen(env_fds);
		snprintf(env_fds + l, sizeof(env_fds) - l, "%s%d", l > 18 ? "," : "", clients[i].fd);
	}
	if (listen_fd >= 0)
		close(listen_fd);
	unlink(cfg.socket);
	/* keep the environment skiff needs to reach the store rootless */
	extern char **environ;
	char *envp[32];
	int n = 0;
	envp[n++] = "_SKIFF_ROLE=cleanup";
	envp[n++] = env_exit;
	envp[n++] = env_fin;
	envp[n++] = env_dir;
	envp[n++] = env_fds;
	for (char **e = environ; *e != NULL && n < 31; e++)
		if (strncmp(*e, "_SKIFF_ROLE=", 12) != 0)
			envp[n++] = *e;
	envp[n] = NULL;
	char *argv[] = { "skiff-cleanup", NULL };
	execve("/proc/self/exe", argv, envp);
	_exit(125);
}

static void monitor_main(int argc, char **argv)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;
	out[0] = (struct stream){ .fd = -1, .name = "stdout", .kind = KIND_STDOUT };
	out[1] = (struct stream){ .fd = -1, .name = "stderr", .kind = KIND_STDERR };
	parse_args(argc, argv);
	fcntl(REPORT_FD, F_SETFD, FD_CLOEXEC);
	if (cfg.init_exe && fcntl(INIT_EXE_FD, F_SETFD, FD_CLOEXEC) < 0)
		die("the init's program is not open as descriptor %d", INIT_EXE_FD);
	if (chdir("/") < 0)
		die("chdir /: %s", strerror(errno));
	int ign[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGTTIN, SIGTTOU, SIGQUIT };
	for (size_t i = 0; i < sizeof(ign) / sizeof(ign[0]); i++)
		signal(ign[i], SIG_IGN);
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (cfg.log != NULL) { /* none with --log-driver none */
		log_fd = open_log(0);
		if (log_fd < 0)
			die("opening the log %s: %s", cfg.log, strerror(errno));
		struct stat st;
		if (fstat(log_fd, &st) == 0)
			log_size = st.st_size;
	}
	if (cfg.journal_id != NULL)
		journal_open();
	listen_fd = listen_socket(cfg.socket);
	if (cfg.has_client)
		first_client();
	host_pid = shares_host_pid();
	if (host_pid)
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	if (cfg.hold_fd > 0) {
		char b;
		ssize_t n;
		while ((n = read(cfg.hold_fd, &b, 1)) < 0 && errno == EINTR)
			;
		if (n != 1)
			die("the container's cgroup could not be prepared");
		close(cfg.hold_fd);
	}
	int syncfd;
	pid_t pid = start_init(&syncfd);
	read_sync(syncfd, pid);
	dprintf(REPORT_FD, "pid %d\n", (int) pid);
	close(REPORT_FD);

	int status = 0, exited = 0, timed_out = 0;
	struct timespec deadline = { 0, 0 }, kill_at = { 0, 0 };
	if (cfg.health_ms > 0)
		health_schedule();
	if (cfg.timeout_s > 0) {
		clock_gettime(CLOCK_MONOTONIC, &kill_at);
		kill_at.tv_sec += cfg.timeout_s;
	}
	for (;;) {
		struct pollfd pfd[MAX_CLIENTS + 4];
		int idx[MAX_CLIENTS + 4];
		int n = 0;
		pfd[n] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		idx[n++] = -1;
		if (listen_fd >= 0) {
			pfd[n] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
			idx[n++] = -2;
		}
		for (int i = 0; i < 2; i++) {
			if (out[i].fd >= 0) {
				pfd[n] = (struct pollfd){ .fd = out[i].fd, .events = POLLIN };
				idx[n++] = -3 - i;
			}
		}
		for (int i = 0; i < MAX_CLIENTS; i++) {
			if (clients[i].fd >= 0) {
				pfd[n] = (struct pollfd){ .fd = clients[i].fd, .events = POLLIN };
				idx[n++] = i;
			}
		}
		if (exited && out[0].fd < 0 && out[1].fd < 0)
			break;
		int timeout = exited ? -1 : health_wait();
		if (timeout == 0) {
			health_run();
			continue;
		}
		if (cfg.timeout_s > 0 && !exited && !timed_out) { /* --timeout */
			long left = ms_until(&kill_at);
			if (left <= 0) {
				kill(pid, SIGKILL);
				timed_out = 1;
				continue;
			}
			if (timeout < 0 || left < timeout)
				timeout = (int) left;
		}
		if (exited) {
			long ms = ms_until(&deadline);
			if (ms <= 0)
				break; /* output held open by a process outside the container */
			timeout = (int) ms;
		}
		if (poll(pfd, (nfds_t) n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int k = 0; k < n; k++) {
			if (pfd[k].revents == 0)
				continue;
			if (idx[k] == -1) {
				struct signalfd_siginfo si;
				while (read(sfd, &si, sizeof(si)) == sizeof(si))
					;
				int st;
				pid_t w;
				while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
					if (w == health_pid) {
						health_pid = 0;
						health_schedule();
						continue;
					}
					if (w != pid || exited)
						continue; /* an orphan adopted with --pid host */
					status = st;
					exited = 1;
					clock_gettime(CLOCK_MONOTONIC, &deadline);
					deadline.tv_sec += 2;
				}
				if (exited && host_pid)
					kill_orphans();
			} else if (idx[k] == -2) {
				int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
				if (fd >= 0)
					add_client(fd);
			} else if (idx[k] <= -3) {
				read_output(&out[-3 - idx[k]]);
			} else if (read_client(&clients[idx[k]]) < 0) {
				drop_client(&clients[idx[k]]);
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (out[i].fd >= 0)
			log_output(&out[i], NULL, 0, 1);
	if (log_fd >= 0)
		close(log_fd);
	struct timespec finished;
	clock_gettime(CLOCK_REALTIME, &finished);
	if (timed_out)
		status = -1; /* exit_code reports -1, as podman records a --timeout kill */
	hand_over(status, &finished);
	exec_cleanup(status, &finished);
}

__attribute__((constructor)) static void skiff_monitor(int argc, char **argv)
{
	const char *role = getenv("_SKIFF_ROLE");
	if (role != NULL && strcmp(role, "monitor") == 0) {
		monitor_main(argc, argv);
		_exit(125);
	}
}
