package netns

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"unsafe"

	"github.com/google/nftables"
	"golang.org/x/sys/unix"
)

// The iptables-legacy side of the passes (see passes.go). x_tables, the
// kernel half of iptables-legacy, lives outside nftables: netlink does
// not reach it. Its tables are read with getsockopt, which costs no
// process, and changed with iptables-legacy-restore, the one way to
// change x_tables short of rebuilding a whole table blob by hand; it runs
// only when the legacy filter table drops on a hook skiff needs, or holds
// skiff's chains. Reading a table that does not exist yet would create
// it, so the namespace's ip_tables_names in /proc is asked first.

// x_tables ABI (linux/netfilter_ipv4/ip_tables.h, linux/netfilter/x_tables.h).
const (
	iptSoGetInfo    = 64 // IPT_SO_GET_INFO
	iptSoGetEntries = 65 // IPT_SO_GET_ENTRIES
	xtTableMaxName  = 32
	xtGetInfoSize   = 84  // struct ipt_getinfo
	xtEntrySize     = 112 // struct ipt_entry
	xtTargetHeader  = 32  // struct xt_entry_target
	xtVerdictDrop   = -1  // -NF_DROP - 1
)

// struct ipt_get_entries: the name and size, then the entries, aligned
// as the struct ipt_entry's 64-bit counters are.
var xtEntriesHeader = (xtTableMaxName + 4 + int(unsafe.Alignof(uint64(0))) - 1) &^ (int(unsafe.Alignof(uint64(0))) - 1)

// xtBuiltin is what skiff reads of a built-in chain of the legacy filter
// table.
type xtBuiltin struct {
	drop  bool           // policy DROP
	jumps map[string]int // user-defined chain: rules jumping to it
}

// xtFilter is what skiff reads of the legacy filter table.
type xtFilter struct {
	builtins map[nftables.ChainHook]*xtBuiltin // INPUT, FORWARD, OUTPUT
	chains   map[string]bool                   // user-defined chains
}

// readXtFilter reads the legacy filter table of the calling thread's
// network namespace; nil when there is none.
func readXtFilter() (*xtFilter, error) {
	names, err := os.ReadFile("/proc/thread-self/net/ip_tables_names")
	if err != nil || !strings.Contains("\n"+string(names), "\nfilter\n") {
		return nil, nil // no x_tables at all, or no filter table
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	info := make([]byte, xtGetInfoSize)
	copy(info, "filter")
	if err := getsockopt(fd, iptSoGetInfo, info); err != nil {
		return nil, fmt.Errorf("reading the legacy iptables filter table: %w", err)
	}
	size := binary.NativeEndian.Uint32(info[80:])
	entries := make([]byte, xtEntriesHeader+int(size))
	copy(entries, "filter")
	binary.NativeEndian.PutUint32(entries[xtTableMaxName:], size)
	if err := getsockopt(fd, iptSoGetEntries, entries); err != nil {
		return nil, fmt.Errorf("reading the legacy iptables filter table: %w", err)
	}
	return parseXtFilter(info, entries[xtEntriesHeader:])
}

func getsockopt(fd, opt int, buf []byte) error {
	l := uint32(len(buf))
	_, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.IPPROTO_IP, uintptr(opt),
		uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&l)), 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// parseXtFilter reads the policies of the built-in chains, the
// user-defined chains and the jumps to them out of the table's entries.
// A user-defined chain starts with an ERROR entry naming it; jumps point
// at the entry after it.
func parseXtFilter(info, table []byte) (*xtFilter, error) {
	valid := binary.NativeEndian.Uint32(info[32:])
	hookEntry := func(h int) int { return int(binary.NativeEndian.Uint32(info[36+4*h:])) }
	underflow := func(h int) int { return int(binary.NativeEndian.Uint32(info[56+4*h:])) }
	type entry struct {
		off     int
		target  string
		verdict int32
		errname string
	}
	var list []entry
	starts := map[int32]string{}
	for off := 0; off+xtEntrySize <= len(table); {
		targetOff := int(binary.NativeEndian.Uint16(table[off+88:]))
		next := int(binary.NativeEndian.Uint16(table[off+90:]))
		t := off + targetOff
		if next == 0 || t+xtTargetHeader > len(table) {
			return nil, errors.New("reading the legacy iptables filter table: malformed entry")
		}
		e := entry{off: off, target: cString(table[t+2 : t+31])}
		data := table[t+xtTargetHeader : off+next]
		switch e.target {
		case "":
			if len(data) >= 4 {
				e.verdict = int32(binary.NativeEndian.Uint32(data))
			}
		case "ERROR":
			e.errname = cString(data)
			starts[int32(off+next)] = e.errname
		}
		list = append(list, e)
		off += next
	}
	f := &xtFilter{builtins: map[nftables.ChainHook]*xtBuiltin{}, chains: map[string]bool{}}
	for _, name := range starts {
		if name != "ERROR" { // the table's end
			f.chains[name] = true
		}
	}
	for _, h := range []nftables.ChainHook{unix.NF_INET_LOCAL_IN, unix.NF_INET_FORWARD, unix.NF_INET_LOCAL_OUT} {
		if valid&(1<<h) == 0 {
			continue
		}
		b := &xtBuiltin{jumps: map[string]int{}}
		for _, e := range list {
			switch {
			case e.off == underflow(int(h)):
				b.drop = e.target == "" && e.verdict == xtVerdictDrop
			case e.off >= hookEntry(int(h)) && e.off < underflow(int(h)) && e.target == "" && e.verdict >= 0:
				if name, ok := starts[e.verdict]; ok {
					b.jumps[name]++
				}
			}
		}
		f.builtins[h] = b
	}
	return f, nil
}

func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// xtChainNames are the built-in chains of the hooks passes use.
var xtChainNames = map[nftables.ChainHook]string{unix.NF_INET_LOCAL_IN: "INPUT", unix.NF_INET_FORWARD: "FORWARD"}

// xtScript is the iptables-restore input (--noflush) that makes the
// passes in the legacy filter table f match hooks, or "" when f needs no
// change: skiff's chains are rebuilt whenever they are wanted or there.
func xtScript(f *xtFilter, hooks []passHook) string {
	var b strings.Builder
	for _, h := range hooks {
		builtin, ok := f.builtins[h.hook]
		if !ok {
			continue
		}
		want := len(h.rules) > 0 && builtin.drop
		if !want && !f.chains[h.chain] {
			continue
		}
		parent := xtChainNames[h.hook]
		jumps := builtin.jumps[h.chain]
		fmt.Fprintf(&b, ":%s - [0:0]\n", h.chain) // created, or flushed (--noflush)
		if want {
			for _, r := range h.rules {
				fmt.Fprintf(&b, "-A %s %s\n", h.chain, r.iptablesArgs())
			}
			if jumps == 0 {
				fmt.Fprintf(&b, "-A %s -j %s\n", parent, h.chain)
			}
			jumps-- // the first stays where it is
		}
		for ; jumps > 0; jumps-- {
			fmt.Fprintf(&b, "-D %s -j %s\n", parent, h.chain)
		}
		if !want {
			fmt.Fprintf(&b, "-X %s\n", h.chain)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "*filter\n" + b.String() + "COMMIT\n"
}

// xtPassesInPlace reports whether every built-in chain of the legacy
// filter table that drops on a hook of hooks jumps to skiff's chain.
func xtPassesInPlace(hooks []passHook) bool {
	f, err := readXtFilter()
	if err != nil || f == nil {
		return err == nil
	}
	for _, h := range hooks {
		if b, ok := f.builtins[h.hook]; ok && b.drop && len(h.rules) > 0 && (!f.chains[h.chain] || b.jumps[h.chain] == 0) {
			return false
		}
	}
	return true
}

// iptablesArgs is r in iptables' syntax.
func (r passRule) iptablesArgs() string {
	var a []string
	prefix := func(flag string, p netip.Prefix) {
		if p.IsValid() {
			a = append(a, flag, p.Masked().String())
		}
	}
	prefix("-s", r.src)
	prefix("-d", r.dst)
	if r.in != "" {
		a = append(a, "-i", r.in)
	}
	if r.out != "" {
		a = append(a, "-o", r.out)
	}
	if r.outNot != "" {
		a = append(a, "!", "-o", r.outNot+"+")
	}
	if r.proto != 0 {
		p := map[uint8]string{unix.IPPROTO_TCP: "tcp", unix.IPPROTO_UDP: "udp"}[r.proto]
		a = append(a, "-p", p, "-m", p, "--dport", fmt.Sprint(r.dport))
	}
	if r.established {
		a = append(a, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED")
	}
	if r.dnat {
		a = append(a, "-m", "conntrack", "--ctstate", "DNAT")
	}
	return strings.Join(append(a, "-j", "ACCEPT"), " ")
}

// applyXtPasses makes the legacy filter table's passes match hooks.
func applyXtPasses(hooks []passHook) error {
	f, err := readXtFilter()
	if err != nil || f == nil {
		return err
	}
	script := xtScript(f, hooks)
	if script == "" {
		return nil
	}
	cmd, err := iptablesLegacyRestore("--wait=10", "--noflush")
	if err != nil {
		return err
	}
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("adding skiff's rules to the legacy iptables filter table: %s %v: %s", cmd.Path, err, bytes.TrimSpace(out))
	}
	return nil
}

// iptablesLegacyRestore finds iptables-legacy-restore, as Debian, Fedora
// and Arch name it, or the multi-call binary that holds it.
func iptablesLegacyRestore(args ...string) (*exec.Cmd, error) {
	dirs := append(filepath.SplitList(os.Getenv("PATH")), "/usr/sbin", "/sbin")
	for _, name := range []string{"iptables-legacy-restore", "xtables-legacy-multi"} {
		for _, d := range dirs {
			path := filepath.Join(d, name)
			if st, err := os.Stat(path); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
				continue
			}
			if name == "xtables-legacy-multi" {
				args = append([]string{"iptables-restore"}, args...)
			}
			return exec.Command(path, args...), nil
		}
	}
	return nil, errors.New("the host's legacy iptables filter table drops forwarded traffic, and iptables-legacy-restore, needed to let skiff's containers through, is not installed: install iptables")
}
