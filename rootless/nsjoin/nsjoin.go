// Package nsjoin holds skiff's only C code: a constructor that runs before the
// Go runtime starts and joins the per-user pause process's user and mount
// namespaces (a multi-threaded process cannot join a user namespace), or turns
// the process into that pause process. See nsjoin.c.
//
// It imports nothing from skiff; rootless is its only user, besides the
// init and exec roles' own program (runtime/initexe/program), which links
// it for the exec role's namespace entry.
package nsjoin

/*
extern int skiff_nsjoin_joined;
extern unsigned skiff_nsjoin_uid, skiff_nsjoin_gid;
extern char skiff_nsjoin_error[512];
long skiff_userns_find(unsigned long long userns, unsigned long long mntns, long skip);
*/
import "C"

// Joined reports whether the constructor joined the pause process's
// namespaces, and the host uid and gid the process had before.
func Joined() (ok bool, uid, gid int) {
	return C.skiff_nsjoin_joined != 0, int(C.skiff_nsjoin_uid), int(C.skiff_nsjoin_gid)
}

// Error is why the constructor could not join, or "" when it did not try or
// did not fail.
func Error() string {
	return C.GoString(&C.skiff_nsjoin_error[0])
}

// FindInUserNS returns a process other than skip that lives in the user
// namespace userNS (its inode number) or in one nested in it and, unless
// mntNS is 0, in the mount namespace mntNS; 0 when there is none, -1 when
// /proc cannot be read. It is the pause process's liveness rule. The caller
// must live in userNS or in an ancestor of it, and see its processes: the
// pause process, or the host user who owns the namespace.
func FindInUserNS(userNS, mntNS uint64, skip int) int {
	return int(C.skiff_userns_find(C.ulonglong(userNS), C.ulonglong(mntNS), C.long(skip)))
}
