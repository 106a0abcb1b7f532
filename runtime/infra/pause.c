/*
 * The infra role: a pod's pause process (see infra.go). It runs before the
 * Go runtime starts, when _SKIFF_ROLE=infra, and never returns.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void infra_main(void)
{
	sigset_t all;
	/* The program runs from a file named by its digest (runtime/initexe):
	 * ps and top show this name. */
	prctl(PR_SET_NAME, "pause", 0, 0, 0);
	sigfillset(&all);
	/* Blocked signals reach even a pid namespace's init, whose default
	 * dispositions the kernel ignores: sigwaitinfo takes them here. */
	sigprocmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		siginfo_t info;
		int sig = sigwaitinfo(&all, &info);
		switch (sig) {
		case SIGCHLD:
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			break;
		case SIGTERM:
		case SIGINT:
		case SIGHUP:
		case SIGQUIT:
			_exit(0);
		}
	}
}

__attribute__((constructor)) static void skiff_infra(void)
{
	const char *role = getenv("_SKIFF_ROLE");
	if (role != NULL && strcmp(role, "infra") == 0)
		infra_main();
}
