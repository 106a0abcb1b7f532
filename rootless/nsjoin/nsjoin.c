/*
 * nsjoin: the only C in skiff.
 *
 * A multi-threaded process cannot join an existing user namespace, and the Go
 * runtime starts threads before main runs. This constructor runs before the Go
 * runtime, while the process is still single-threaded, and does two things:
 *
 *  1. _SKIFF_PAUSE=1: become the per-user pause process. It only holds the
 *     user and mount namespaces every rootless skiff process shares, and exits
 *     once nothing else lives in them (see docs/internal.md).
 *  2. otherwise, for a non-root user: join the user and mount namespaces of the
 *     pause process named in the pid file, if it is alive, and become root in
 *     there. The Go side (nsjoin.go) reads the outcome and exports it to Go's
 *     environment. When the pause process is missing the Go side creates one
 *     and re-executes the binary, which then joins here.
 *
 * It also makes the container-side roles non-dumpable before anything can
 * look at them (see the constructor), and puts an exec process into the
 * container's own user namespace when it has one (--userns=keep-id):
 * _SKIFF_EXEC_USERNS names it.
 *
 * Keep this file small: everything that can be written in Go is.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

int skiff_nsjoin_joined;
unsigned skiff_nsjoin_uid, skiff_nsjoin_gid;
char skiff_nsjoin_error[512];

/* pause_dir computes the per-user runtime directory. It must agree with
 * rootless.RuntimeDir in Go: $XDG_RUNTIME_DIR/skiff when XDG_RUNTIME_DIR is a
 * directory owned by the user, else ${TMPDIR:-/tmp}/skiff-run-UID. */
static int pause_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	if (xdg != NULL && xdg[0] == '/' && stat(xdg, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid())
		return snprintf(buf, len, "%s/skiff", xdg) >= (int) len ? -1 : 0;
	const char *tmp = getenv("TMPDIR");
	if (tmp == NULL || tmp[0] != '/')
		tmp = "/tmp";
	return snprintf(buf, len, "%s/skiff-run-%u", tmp, (unsigned) geteuid()) >= (int) len ? -1 : 0;
}

/* start_time returns field 22 of /proc/PID/stat, or 0. */
static unsigned long long start_time(long pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (p == NULL)
		return 0;
	/* after ") " comes field 3; skip to field 22 */
	int field = 2;
	for (; *p != '\0' && field < 22; p++)
		if (*p == ' ')
			field++;
	return strtoull(p, NULL, 10);
}

static void fail(const char *what)
{
	snprintf(skiff_nsjoin_error, sizeof(skiff_nsjoin_error), "%s: %s", what, strerror(errno));
}

/* others_in_userns tells whether any process but this one lives in our user
 * namespace. */
static int others_in_userns(void)
{
	struct stat self, st;
	char path[64];
	if (stat("/proc/self/ns/user", &self) < 0)
		return 1;
	DIR *d = opendir("/proc");
	if (d == NULL)
		return 1;
	pid_t me = getpid();
	struct dirent *e;
	int found = 0;
	while (!found && (e = readdir(d)) != NULL) {
		long pid = strtol(e->d_name, NULL, 10);
		if (pid <= 0 || pid == me)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/user", pid);
		if (stat(path, &st) == 0 && st.st_ino == self.st_ino && st.st_dev == self.st_dev)
			found = 1;
	}
	closedir(d);
	return found;
}

static void pause_main(void)
{
	char dir[PATH_MAX], pidfile[PATH_MAX + 16];
	int have_pidfile = pause_dir(dir, sizeof(dir)) == 0;
	snprintf(pidfile, sizeof(pidfile), "%s/pause.pid", dir);

	prctl(PR_SET_NAME, "skiff-pause", 0, 0, 0);
	if (chdir("/") < 0)
		_exit(1);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	sigset_t all;
	sigfillset(&all);
	sigdelset(&all, SIGTERM);
	sigprocmask(SIG_SETMASK, &all, NULL);

	/* Exit when nothing has lived in the namespaces for two checks in a
	 * row. A skiff process that is about to join holds fds to the
	 * namespaces and verifies after joining that the pause process is
	 * still alive, so an exit never strands it. */
	int idle = 0;
	for (;;) {
		sleep(30);
		if (others_in_userns()) {
			idle = 0;
			continue;
		}
		if (++idle < 2)
			continue;
		if (have_pidfile) {
			char buf[64] = {0};
			int fd = open(pidfile, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				ssize_t n = read(fd, buf, sizeof(buf) - 1);
				close(fd);
				if (n > 0 && strtol(buf, NULL, 10) == (long) getpid())
					unlink(pidfile);
			}
		}
		_exit(0);
	}
}

static void join(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], buf[128] = {0}, cwd[PATH_MAX];
	if (pause_dir(dir, sizeof(dir)) < 0)
		return;
	snprintf(path, sizeof(path), "%s/pause.pid", dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return; /* no pause process yet: the Go side starts one */
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	char *end;
	long pid = strtol(buf, &end, 10);
	unsigned long long want = strtoull(end, NULL, 10);
	if (pid <= 0 || want == 0)
		return;

	snprintf(path, sizeof(path), "/proc/%ld/ns/user", pid);
	int userfd = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%ld/ns/mnt", pid);
	int mntfd = open(path, O_RDONLY | O_CLOEXEC);
	/* check the start time after opening: the fds then surely belong to
	 * the pause process and not to a process that reused its pid */
	if (userfd < 0 || mntfd < 0 || start_time(pid) != want) {
		if (userfd >= 0)
			close(userfd);
		if (mntfd >= 0)
			close(mntfd);
		return;
	}
	int have_cwd = getcwd(cwd, sizeof(cwd)) != NULL;
	skiff_nsjoin_uid = getuid();
	skiff_nsjoin_gid = getgid();
	if (setns(userfd, CLONE_NEWUSER) < 0) {
		fail("joining the user namespace");
		goto out;
	}
	if (setns(mntfd, CLONE_NEWNS) < 0) {
		fail("joining the mount namespace");
		_exit(125); /* half-joined: nothing sane to continue with */
	}
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
		fail("becoming root in the user namespace");
		_exit(125);
	}
	if (have_cwd && chdir(cwd) < 0)
		chdir("/");
	skiff_nsjoin_joined = 1;
out:
	close(userfd);
	close(mntfd);
}

/* join_exec_userns: the exec role enters a container's user namespace
 * (its other namespaces were entered by the parent thread that forked it)
 * and becomes root there; the exec role then takes the process's ids. */
static void join_exec_userns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWUSER) < 0 || setresgid(0, 0, 0) < 0 || setgroups(0, NULL) < 0 || setresuid(0, 0, 0) < 0) {
		dprintf(STDERR_FILENO, "entering the container's user namespace %s: %s\n", path, strerror(errno));
		_exit(125);
	}
	close(fd);
}

static volatile pid_t relay_child;

static void relay_signal(int sig)
{
	kill(relay_child, sig);
}

/* relay waits for the exec role forked into the container's pid namespace
 * and ends as it did; signals it gets go to it. It holds no descriptor. */
__attribute__((noreturn)) static void relay(pid_t child)
{
	relay_child = child;
	struct sigaction sa = { .sa_handler = relay_signal };
	sigemptyset(&sa.sa_mask);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP && s != SIGCHLD)
			sigaction(s, &sa, NULL);
	syscall(SYS_close_range, 0U, ~0U, 0);
	int status;
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			_exit(125);
	if (WIFSIGNALED(status)) {
		struct rlimit none = { 0, 0 };
		setrlimit(RLIMIT_CORE, &none);
		signal(WTERMSIG(status), SIG_DFL);
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, WTERMSIG(status));
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(WTERMSIG(status));
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 125);
}

/* join_exec_pidns: the exec role enters the container's pid namespace
 * itself, once it runs from the read-only clone of the binary: had the
 * CLI entered it before forking the role, a container process could see
 * skiff's own binary running in there between the fork and the exec, and
 * keep a handle to it (CVE-2019-5736). Entering a pid namespace places
 * only the children: the role forks; the child goes on as the role, in a
 * session of its own, and dies with its parent, which relays its end. */
static void join_exec_pidns(const char *path)
{
	struct stat want, mine;
	if (stat(path, &want) == 0 && stat("/proc/self/ns/pid", &mine) == 0 && want.st_ino == mine.st_ino && want.st_dev == mine.st_dev)
		return; /* --pid host: the container's is this process's own */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWPID) < 0) {
		dprintf(STDERR_FILENO, "entering the container's pid namespace %s: %s\n", path, strerror(errno));
		_exit(125);
	}
	close(fd);
	pid_t child = fork();
	if (child < 0) {
		dprintf(STDERR_FILENO, "forking into the container's pid namespace: %s\n", strerror(errno));
		_exit(125);
	}
	if (child > 0)
		relay(child);
	setsid();
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
}

__attribute__((constructor)) static void skiff_nsjoin(void)
{
	/* The init and exec roles run inside a container's pid namespace
	 * until they exec the user's program: no process in there may open
	 * /proc/PID/exe and write to the skiff binary (CVE-2019-5736). A
	 * non-dumpable process is closed to ptrace-mode access; exec of the
	 * user's program makes it dumpable again. Both roles also run from a
	 * read-only clone of the binary (monitor.c sealed_exe, runtime/
	 * container/sealedexe.go), for processes that may ptrace them. */
	const char *role = getenv("_SKIFF_ROLE");
	if (role != NULL && (strcmp(role, "init") == 0 || strcmp(role, "exec") == 0))
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	const char *userns = getenv("_SKIFF_EXEC_USERNS");
	if (role != NULL && strcmp(role, "exec") == 0 && userns != NULL)
		join_exec_userns(userns);
	const char *pidns = getenv("_SKIFF_EXEC_PIDNS");
	if (role != NULL && strcmp(role, "exec") == 0 && pidns != NULL)
		join_exec_pidns(pidns);
	if (getenv("_SKIFF_PAUSE") != NULL) {
		pause_main();
		_exit(0);
	}
	if (getenv("_SKIFF_USERNS_CONFIGURED") != NULL || geteuid() == 0)
		return;
	join();
}
