#!/bin/bash
# make test-vm: the resource-limit tests (test/e2e, TestLimits*) on cgroup
# v2, as root and rootless with a delegated subtree, in a small qemu VM
# (TCG: no KVM needed). The host's own cgroups are never touched.
#
# The VM boots Debian's own kernel (unpacked from the linux-image .deb,
# not installed) with an initramfs holding busybox, skiff, the compiled
# e2e tests, the busybox test image and the libraries they link. Its init
# mounts cgroup2, delegates /sys/fs/cgroup/user-1000 to the test user as
# systemd does (chown of the directory, cgroup.procs,
# cgroup.subtree_control, cgroup.threads) and runs the tests from a child
# of it, first as root, then rootless, then rootless from a cgroup not
# delegated to the user (limits refused). Then it starts a systemd user
# manager for the user (Debian's systemd and dbus, unpacked from their
# .debs: systemd --user in a delegated cgroup of its own, as
# user@1000.service, with dbus-user-session's session bus) and runs the
# rootless tests again through it: each container's cgroup is then a
# transient scope skiff asks the manager for (--cgroup-manager systemd).
# Each test's result is printed; the exit status is the tests'.
#
# Needs (as root): qemu-system-x86 cpio busybox-static uidmap, and apt
# access to Debian's mirror for the kernel, systemd and dbus (cached in
# $SKIFF_VM_CACHE).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
TAGS=${TAGS:-containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_zfs containers_image_docker_daemon_stub urfave_cli_no_docs}
cache=${SKIFF_VM_CACHE:-/var/tmp/skiff-vm}
images=${SKIFF_TEST_IMAGES:-test/images/cache}
# a safety net against a hung VM, not a target: under TCG the tests take
# ~4 minutes when the host is busy with other work
timeout=${SKIFF_VM_TIMEOUT:-900}
# what a VM under TCG has time for: the tests whose cgroup side differs on
# v2 (validation, stats formatting, restart and removal after a monitor's
# death are the same as on the host). SKIFF_VM_VERBOSE=1 shows every
# command the tests run, with its time.
run=${SKIFF_VM_RUN:-'TestLimits(MemoryOOM|PidsAndCPU|Update|CgroupNamespace|CgroupParent|MemoryCpusetIO|Stats|Info)$'}
# rootless from a cgroup not delegated to the user: limits refused, info
# says why
run_undelegated=${SKIFF_VM_RUN_UNDELEGATED:-'TestLimits(Refused|Info)$'}
# and through the systemd user manager: the scope, its limits, exec,
# update, OOM and removal (one test: under TCG each command costs seconds)
run_systemd=${SKIFF_VM_RUN_SYSTEMD:-'TestLimits(SystemdScope|Info)$'}

for tool in qemu-system-x86_64 cpio dpkg-deb newuidmap; do
	if ! command -v "$tool" >/dev/null; then
		echo "test-vm: $tool not found: apt-get install qemu-system-x86 cpio uidmap" >&2
		exit 1
	fi
done
[ -f "$images/busybox.tar" ] || { echo "test-vm: $images/busybox.tar missing: run make images" >&2; exit 1; }

# Debian's current 6.1 kernel, unpacked once.
mkdir -p "$cache"
if [ ! -f "$cache/vmlinuz" ]; then
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	[ -n "$pkg" ] || { echo "test-vm: no linux-image package known to apt: apt-get update" >&2; exit 1; }
	(cd "$cache" && rm -f ./*.deb && apt-get download -q "$pkg" 2>&1 | grep -v "^W: Download is performed unsandboxed" || true)
	deb=$(ls "$cache"/linux-image-*.deb)
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$cache" --wildcards './boot/vmlinuz-*'
	mv "$cache"/boot/vmlinuz-* "$cache/vmlinuz"
	rm -rf "$cache/boot" "$deb"
fi

# Debian's systemd (the user manager) and dbus-daemon (its session bus),
# unpacked once, without their documentation.
sd=$cache/systemd-root
if [ ! -x "$sd/lib/systemd/systemd" ]; then
	rm -rf "$sd.tmp" && mkdir -p "$sd.tmp/root"
	(cd "$sd.tmp" && apt-get download -q systemd libsystemd-shared libsystemd0 dbus-daemon dbus-session-bus-common dbus-user-session libdbus-1-3 2>&1 |
		grep -v "^W: Download is performed unsandboxed" || true)
	ls "$sd.tmp"/systemd_*.deb "$sd.tmp"/dbus-daemon_*.deb >/dev/null || { echo "test-vm: cannot download systemd and dbus-daemon: apt-get update" >&2; exit 1; }
	for deb in "$sd.tmp"/*.deb; do dpkg-deb -x "$deb" "$sd.tmp/root"; done
	rm -rf "$sd.tmp"/root/usr/share/{doc,man,locale,bash-completion,zsh}
	mv "$sd.tmp/root" "$sd" && rm -rf "$sd.tmp"
fi

work=$(mktemp -d /tmp/skiff-vm.XXXXXX)
# the whole console stays in $cache/console.log for a look afterwards
trap 'cp "$work/console" "$cache/console.log" 2>/dev/null; rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,opt,images,newroot,lib64}
CGO_ENABLED=1 $GO build -tags "$TAGS" -trimpath -o "$root/opt/skiff" .
CGO_ENABLED=1 $GO test -c -tags "$TAGS" -o "$root/opt/e2e.test" ./test/e2e
cp /bin/busybox "$root/bin/busybox"
cp "$images/busybox.tar" "$root/images/"
cp -a "$(command -v newuidmap)" "$(command -v newgidmap)" "$root/usr/bin/"
chmod 4755 "$root/usr/bin/newuidmap" "$root/usr/bin/newgidmap"
# the shared libraries of the dynamically linked programs
for prog in "$root/opt/skiff" "$root/opt/e2e.test" "$root/usr/bin/newuidmap" "$root/usr/bin/newgidmap"; do
	ldd "$prog" | grep -o '/[^ ]*' | while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done
# systemd and dbus-daemon: the libraries they link from this host, then
# the unpacked packages over them (their own libsystemd-shared and
# libdbus win over the host's)
for prog in "$sd/lib/systemd/systemd" "$sd/bin/systemctl" "$sd/usr/bin/dbus-daemon"; do
	LD_LIBRARY_PATH="$sd/usr/lib/x86_64-linux-gnu/systemd:$sd/lib/x86_64-linux-gnu:$sd/usr/lib/x86_64-linux-gnu" ldd "$prog" |
		grep -o '/[^ ]*' | grep -v "^$sd" | while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done
for p in lib/systemd/systemd bin/systemctl usr/lib/systemd/user usr/lib/x86_64-linux-gnu lib/x86_64-linux-gnu usr/bin/dbus-daemon \
	usr/share/dbus-1 etc/systemd etc/dbus-1; do
	[ -e "$sd/$p" ] || continue
	mkdir -p "$root/$(dirname "$p")"
	cp -a "$sd/$p" "$root/$(dirname "$p")/"
done
echo 5d1f6c0de0a84e5c9bb04ab4b1c7e001 >"$root/etc/machine-id"
cat >"$root/etc/passwd" <<EOF
root:x:0:0:root:/root:/bin/sh
skiffer:x:1000:1000:skiffer:/home/skiffer:/bin/sh
EOF
printf 'root:x:0:\nskiffer:x:1000:\n' >"$root/etc/group"
echo "skiffer:100000:65536" >"$root/etc/subuid"
echo "skiffer:100000:65536" >"$root/etc/subgid"
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
# stage 1: the initramfs root cannot be pivoted away from (containers
# pivot_root), so everything moves onto a tmpfs first
/bin/busybox --install -s /bin
mount -t tmpfs -o size=1200m,mode=755 tmpfs /newroot
for d in bin sbin usr etc lib lib64 opt images init2; do [ -e /$d ] && cp -a /$d /newroot/; done
mkdir -p /newroot/proc /newroot/sys /newroot/dev /newroot/tmp /newroot/root /newroot/home/skiffer /newroot/run
chmod 1777 /newroot/tmp
chown 1000:1000 /newroot/home/skiffer
exec switch_root /newroot /init2
EOF
cat >"$root/init2" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts && mount -t tmpfs tmpfs /dev/shm
mount -t cgroup2 cgroup2 /sys/fs/cgroup
hostname skiff-vm
ip link set lo up
echo "test-vm: kernel $(uname -r) up after $(cut -d' ' -f1 /proc/uptime)s, cgroup v2 controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
echo "+cpuset +cpu +io +memory +pids" >/sys/fs/cgroup/cgroup.subtree_control
# Delegation as systemd does for user@1000.service: the directory and its
# cgroup.procs, cgroup.subtree_control and cgroup.threads belong to the
# user; the tests run from a child of it (as a user session would).
D=/sys/fs/cgroup/user-1000
mkdir $D $D/session
chown 1000:1000 $D $D/cgroup.procs $D/cgroup.subtree_control $D/cgroup.threads
chown -R 1000:1000 $D/session
echo $$ >$D/session/cgroup.procs
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
export SKIFF_BINARY=/opt/skiff SKIFF_TEST_IMAGES=/images SKIFF_TEST_USER=skiffer STORAGE_DRIVER=vfs
cd /tmp
rc=0
for mode in root rootless; do
	echo "test-vm: $mode on cgroup v2 (at $(cut -d' ' -f1 /proc/uptime)s)"
	# each test's result as it comes, and what a failing one said
	{ SKIFF_TEST_MODE=$mode /opt/e2e.test -test.run "$(cat /opt/run)" -test.v -test.parallel 3 -test.timeout 4m 2>&1
	  echo $? >/tmp/rc; } | F="$(cat /opt/filter)" M=$mode awk '$0 !~ ENVIRON["F"] { print "  [" ENVIRON["M"] "] " $0; fflush() }'
	[ "$(cat /tmp/rc)" = 0 ] || rc=1
done
# Rootless from a cgroup that is not delegated (root's, as a session
# without Delegate=yes would be): a limit is refused with one line
U0=/sys/fs/cgroup/undelegated
mkdir $U0 && echo $$ >$U0/cgroup.procs
echo "test-vm: rootless from an undelegated cgroup (at $(cut -d' ' -f1 /proc/uptime)s)"
{ SKIFF_TEST_MODE=rootless /opt/e2e.test -test.run "$(cat /opt/run_undelegated)" -test.v -test.parallel 3 -test.timeout 4m 2>&1
  echo $? >/tmp/rc; } | F="$(cat /opt/filter)" awk '$0 !~ ENVIRON["F"] { print "  [undelegated] " $0; fflush() }'
[ "$(cat /tmp/rc)" = 0 ] || rc=1
echo $$ >$D/session/cgroup.procs
# A systemd user manager for skiffer, as user@1000.service runs it: in a
# delegated cgroup of its own; its session bus is dbus-user-session's
# dbus.socket and dbus.service, which it starts itself
R=/run/user/1000
U=$D/user@1000.service
# (systemd --user wants to see a system booted with systemd)
mkdir -p $R $U /run/systemd/system
chown 1000:1000 $R && chmod 700 $R
chown -R 1000:1000 $U
echo "+cpuset +cpu +io +memory +pids" >$D/cgroup.subtree_control
sh -c "echo \$\$ >$U/cgroup.procs; exec su skiffer -s /bin/sh -c 'XDG_RUNTIME_DIR=$R exec /lib/systemd/systemd --user'" >/tmp/systemd.log 2>&1 &
for i in $(seq 300); do [ -S $R/systemd/private ] && break; sleep 0.1; done
su skiffer -s /bin/sh -c "XDG_RUNTIME_DIR=$R systemctl --user start dbus.service" >>/tmp/systemd.log 2>&1
for i in $(seq 50); do [ -S $R/bus ] && break; sleep 0.1; done
if [ -S $R/systemd/private ] && [ -S $R/bus ]; then
	sleep 1 # the manager takes its name on the bus once dbus.service runs
	echo "test-vm: rootless through the systemd user manager (at $(cut -d' ' -f1 /proc/uptime)s)"
	{ SKIFF_TEST_MODE=rootless SKIFF_TEST_SYSTEMD_RUNTIME=$R /opt/e2e.test -test.run "$(cat /opt/run_systemd)" -test.v -test.parallel 3 -test.timeout 4m 2>&1
	  echo $? >/tmp/rc; } | F="$(cat /opt/filter)" awk '$0 !~ ENVIRON["F"] { print "  [systemd] " $0; fflush() }'
	[ "$(cat /tmp/rc)" = 0 ] || rc=1
else
	echo "test-vm: the systemd user manager did not start:"
	sed 's/^/  [systemd] /' /tmp/systemd.log
	rc=1
fi
echo "test-vm: result $([ $rc = 0 ] && echo PASS || echo FAIL) after $(cut -d' ' -f1 /proc/uptime)s"
poweroff -f
EOF
chmod 755 "$root/init" "$root/init2"
echo "$run" >"$root/opt/run"
echo "$run_systemd" >"$root/opt/run_systemd"
echo "$run_undelegated" >"$root/opt/run_undelegated"
filter='-> [0-9]+ \([0-9.]+[mµn]?s\)$|^=== (RUN|PAUSE|CONT|NAME)'
[ "${SKIFF_VM_VERBOSE:-}" = 1 ] && filter='^=== (PAUSE|CONT|NAME)'
echo "$filter" >"$root/opt/filter"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"
echo "test-vm: booting $(basename "$(readlink -f "$cache/vmlinuz")") with a $(du -h "$work/initrd.gz" | cut -f1) initramfs (TCG)"
set +e
timeout "$timeout" qemu-system-x86_64 -accel tcg,thread=multi -m 2048 -smp 2 -nographic -no-reboot -nodefaults -serial stdio \
	-kernel "$cache/vmlinuz" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1 rdinit=/init" | sed -u 's/\r$//' | tee "$work/console" | sed -un '/^test-vm\|^  \[/p'
status=${PIPESTATUS[0]}
set -e
if [ "$status" = 124 ]; then
	echo "test-vm: the VM did not finish within ${timeout}s" >&2
	exit 1
fi
grep -q '^test-vm: result PASS' "$work/console"
