/*
 * nsjoin: the only C in skiff.
 *
 * A multi-threaded process cannot join an existing user namespace, and the Go
 * runtime starts threads before main runs. This constructor runs before the Go
 * runtime, while the process is still single-threaded, and does two things:
 *
 *  1. _SKIFF_PAUSE set: become the per-user pause process. It only holds the
 *     user and mount namespaces every rootless skiff process shares, with all
 *     capabilities in them, and exits once no other process lives in them
 *     (see pause_main and docs/internal.md).
 *  2. otherwise, for a non-root user: join the user and mount namespaces of the
 *     pause process named in the pid file, if it is alive, and become root in
 *     there. The Go side (nsjoin.go) reads the outcome and exports it to Go's
 *     environment. When the pause process is missing the Go side starts one
 *     (rootless/pause.go) and re-executes the binary, which then joins here.
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
#include <linux/capability.h>
#include <linux/nsfs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
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
/* descriptors 3 to 66 the process inherited (bit fd-3), taken before
 * anything, the Go runtime included, opens one: run --preserve-fds
 * passes only those */
unsigned long long skiff_inherited_fds;
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

/* read_stat reads /proc/PID/stat into buf and returns what follows the
 * command name (") " then field 3, the state), or NULL. */
static char *read_stat(long pid, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' && p[2] != '\0' ? p : NULL;
}

/* start_time returns field 22 of /proc/PID/stat, or 0. */
static unsigned long long start_time(long pid)
{
	char buf[1024];
	char *p = read_stat(pid, buf, sizeof(buf));
	if (p == NULL)
		return 0;
	/* after ") " comes field 3; skip to field 22 */
	int field = 2;
	for (; *p != '\0' && field < 22; p++)
		if (*p == ' ')
			field++;
	return strtoull(p, NULL, 10);
}

/* living: pid exists and is no zombie (whose credentials, and so its user
 * namespace, stay until it is reaped). */
static int living(long pid)
{
	char buf[1024];
	char *p = read_stat(pid, buf, sizeof(buf));
	return p != NULL && p[2] != 'Z' && p[2] != 'X';
}

static void fail(const char *what)
{
	snprintf(skiff_nsjoin_error, sizeof(skiff_nsjoin_error), "%s: %s", what, strerror(errno));
}

/* ---- the pause process: see docs/internal.md ---- */

static unsigned long long ns_ino(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (unsigned long long) st.st_ino : 0;
}

/* in_userns tells whether process pid lives in the user namespace userns or
 * in one nested in it. The caller lives in userns or in an ancestor of it,
 * own being its namespace. /proc/PID/ns/user resolves only for a caller
 * that may ptrace-read pid: in the pause process's namespace and those
 * nested in it that takes CAP_SYS_PTRACE there, which the pause process
 * holds (and so does, on the host, the user who owns the namespace), and
 * which no one else's process grants it: those fail at once with EACCES. */
static int in_userns(long pid, unsigned long long userns, unsigned long long own)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%ld/ns/user", pid);
	if (stat(path, &st) < 0)
		return 0;
	if (st.st_ino == userns)
		return 1;
	if (st.st_ino == own)
		return 0;
	/* nested (a --userns=keep-id container's), or elsewhere: walk up */
	int fd = open(path, O_RDONLY | O_CLOEXEC), found = 0;
	for (int depth = 0; fd >= 0 && !found && depth < 33; depth++) {
		int parent = ioctl(fd, NS_GET_PARENT);
		close(fd);
		fd = parent;
		found = fd >= 0 && fstat(fd, &st) == 0 && st.st_ino == userns;
	}
	if (fd >= 0)
		close(fd);
	return found;
}

/* skiff_userns_find returns a process other than skip, no zombie, that
 * lives in the user namespace userns (inode number) or in one nested in it
 * and, unless mntns is 0, in the mount namespace mntns; 0 when there is
 * none, -1 when /proc cannot be read. It is the pause process's liveness
 * rule, and how a command finds what survives a pause process killed. */
long skiff_userns_find(unsigned long long userns, unsigned long long mntns, long skip)
{
	char path[64];
	unsigned long long own = ns_ino("/proc/self/ns/user");
	DIR *d = opendir("/proc");
	if (d == NULL)
		return -1;
	struct dirent *e;
	long found = 0;
	while (found == 0 && (e = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (pid <= 0 || *end != '\0' || pid == skip || !in_userns(pid, userns, own))
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/mnt", pid);
		if ((mntns == 0 || ns_ino(path) == mntns) && living(pid))
			found = pid;
	}
	closedir(d);
	return found;
}

static int env_fd(const char *name)
{
	const char *v = getenv(name);
	return v != NULL ? atoi(v) : -1;
}

/* pause_fail tells the starter why this pause process gives up. */
static void pause_fail(int ready, const char *what)
{
	dprintf(ready, "%s: %s", what, strerror(errno));
	_exit(1);
}

static int has_effective_cap(int cap)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return 0;
	return (d[cap / 32].effective >> (cap % 32)) & 1;
}

/* pause_new: the starter cloned this process into new user and mount
 * namespaces. Its exec happened before the id maps were written, so it
 * holds no capabilities in there; once the starter says "mapped", it execs
 * itself again, as root of the namespace, to hold them all. */
static void pause_new(int ready)
{
	int mapped = env_fd("_SKIFF_PAUSE_MAPPED");
	char buf[16] = {0};
	if (mapped < 0 || read(mapped, buf, sizeof(buf) - 1) <= 0 || strcmp(buf, "mapped") != 0)
		_exit(1); /* the starter failed and said so itself */
	close(mapped);
	char *argv[] = {"skiff-pause", NULL};
	char env_ready[48], env_lock[48];
	snprintf(env_ready, sizeof(env_ready), "_SKIFF_PAUSE_READY=%d", ready);
	snprintf(env_lock, sizeof(env_lock), "_SKIFF_PAUSE_LOCK=%d", env_fd("_SKIFF_PAUSE_LOCK"));
	char *envp[] = {"_SKIFF_PAUSE=here", env_ready, env_lock, NULL};
	execve("/proc/self/exe", argv, envp);
	pause_fail(ready, "re-executing the pause process");
}

/* pause_join enters the user and mount namespaces of a process that lives
 * in them: _SKIFF_PAUSE_TARGET is "PID STARTTIME USERNS MNTNS", checked
 * after opening so that a reused pid cannot mislead. */
static void pause_join(int ready)
{
	const char *target = getenv("_SKIFF_PAUSE_TARGET");
	long pid;
	unsigned long long start, userns, mntns;
	char path[64];
	struct stat ust, mst;
	if (target == NULL || sscanf(target, "%ld %llu %llu %llu", &pid, &start, &userns, &mntns) != 4) {
		dprintf(ready, "malformed _SKIFF_PAUSE_TARGET");
		_exit(1);
	}
	snprintf(path, sizeof(path), "/proc/%ld/ns/user", pid);
	int userfd = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%ld/ns/mnt", pid);
	int mntfd = open(path, O_RDONLY | O_CLOEXEC);
	if (userfd < 0 || mntfd < 0 || fstat(userfd, &ust) < 0 || fstat(mntfd, &mst) < 0 ||
	    ust.st_ino != userns || mst.st_ino != mntns || start_time(pid) != start) {
		dprintf(ready, "process %ld left the namespaces", pid);
		_exit(1);
	}
	/* already in them when started from inside (rootless.Init) */
	if (ns_ino("/proc/self/ns/user") != userns && setns(userfd, CLONE_NEWUSER) < 0)
		pause_fail(ready, "joining the user namespace");
	if (ns_ino("/proc/self/ns/mnt") != mntns && setns(mntfd, CLONE_NEWNS) < 0)
		pause_fail(ready, "joining the mount namespace");
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		pause_fail(ready, "becoming root in the user namespace");
	close(userfd);
	close(mntfd);
}

/* pause_main: hold the namespaces for as long as any process lives in them
 * (skiff_userns_find), then exit. _SKIFF_PAUSE says how we got here: "new"
 * (cloned into fresh namespaces), "join" (enter those of a survivor after
 * the previous pause process was killed), "here" (already inside, with all
 * capabilities). Descriptors, named in the environment: _SKIFF_PAUSE_READY
 * gets "ready" or why not, then EOF; _SKIFF_PAUSE_LOCK is this process's
 * own open file of RuntimeDir/pause.lock; _SKIFF_PAUSE_MAPPED ("new") says
 * "mapped" once the starter wrote the id maps. */
static void pause_main(const char *mode)
{
	int ready = env_fd("_SKIFF_PAUSE_READY"), lock = env_fd("_SKIFF_PAUSE_LOCK");
	if (strcmp(mode, "new") == 0)
		pause_new(ready);
	else if (strcmp(mode, "join") == 0)
		pause_join(ready);
	else if (strcmp(mode, "here") != 0)
		_exit(1);
	/* Without CAP_SYS_PTRACE in the namespace it could not see the
	 * non-dumpable processes (monitors, helpers) nor those of other ids
	 * (containers), would think itself alone and leave them stranded. */
	if (!has_effective_cap(CAP_SYS_PTRACE)) {
		dprintf(ready, "the pause process holds no capabilities in its user namespace");
		_exit(1);
	}
	unsigned long long self = ns_ino("/proc/self/ns/user");
	pid_t me = getpid();

	prctl(PR_SET_NAME, "skiff-pause", 0, 0, 0);
	if (chdir("/") < 0)
		pause_fail(ready, "chdir /");
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
	if (write(ready, "ready", 5) != 5)
		_exit(1);
	/* keep nothing else the starter had open: a pipe held for ever
	 * would hang whoever waits for its end */
	if (lock > 2) {
		close_range(3, lock - 1, 0);
		close_range(lock + 1, ~0U, 0);
	} else {
		close_range(3, ~0U, 0);
	}

	/* Exit when no other process has lived in the namespaces for two
	 * checks in a row, and a last look with the pause lock held finds none
	 * either: a command joining holds it shared from reading pause.pid
	 * until it is inside, so none is ever half-way in. */
	int idle = 0;
	for (;;) {
		sleep(30);
		if (skiff_userns_find(self, 0, me) != 0) {
			idle = 0;
			continue;
		}
		if (++idle < 2 || (lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) < 0))
			continue;
		if (skiff_userns_find(self, 0, me) == 0)
			_exit(0); /* pause.pid stays: commands see a dead process */
		if (lock >= 0)
			flock(lock, LOCK_UN);
		idle = 0;
	}
}

/* join_pause joins the namespaces of the pause process named in
 * dir/pause.pid ("PID STARTTIME USERNS MNTNS"), if it is alive. */
static void join_pause(const char *dir)
{
	char path[PATH_MAX + 16], buf[128] = {0}, cwd[PATH_MAX];
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

/* join holds the pause lock shared while it joins: the pause process
 * exits only with it held exclusively, and a command that finds it dead
 * decides what to do with it held exclusively too, so neither happens
 * while a command is half-way in. */
static void join(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	if (pause_dir(dir, sizeof(dir)) < 0)
		return;
	snprintf(path, sizeof(path), "%s/pause.lock", dir);
	int lock = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (lock < 0)
		return; /* no pause process yet: the Go side starts one */
	while (flock(lock, LOCK_SH) < 0 && errno == EINTR)
		;
	join_pause(dir);
	close(lock);
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
	for (int fd = 3; fd < 3 + 64; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			skiff_inherited_fds |= 1ULL << (fd - 3);
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
	const char *pause = getenv("_SKIFF_PAUSE");
	if (pause != NULL) {
		pause_main(pause);
		_exit(0);
	}
	if (getenv("_SKIFF_USERNS_CONFIGURED") != NULL || geteuid() == 0)
		return;
	join();
}
