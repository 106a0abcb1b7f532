package seccomp

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Cached is Build through a cache in dir: compiling docker's profile
// takes a few hundred microseconds, more than a container start may
// spend, so each filter is compiled once and kept in a file named by a
// hash of what it depends on: the profile and the capabilities, in a
// directory named by the skiff binary (its compiler and system call
// tables) and the kernel (rules can depend on its version), which
// replaces the directories of other binaries. dir should be on a tmpfs
// (the run root), so nothing outlives a reboot. A nil filter means the
// profile asks for none.
func Cached(dir, profile string, caps []string) (*Filter, error) {
	bin, err := binaryKey()
	if err != nil {
		return Build(profile, caps)
	}
	h := sha256.New()
	h.Write([]byte(strings.Join(caps, ",")))
	h.Write([]byte{0})
	h.Write([]byte(profile))
	path := filepath.Join(dir, bin, hex.EncodeToString(h.Sum(nil)[:16])+".bpf")
	if b, err := os.ReadFile(path); err == nil && len(b) >= 4 {
		if len(b) == 4 {
			return nil, nil
		}
		return &Filter{Flags: uint(binary.LittleEndian.Uint32(b)), Program: b[4:]}, nil
	}
	f, err := Build(profile, caps)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 4, 4+len(programOf(f)))
	if f != nil {
		binary.LittleEndian.PutUint32(b, uint32(f.Flags))
		b = append(b, f.Program...)
	}
	store(dir, bin, path, b)
	return f, nil
}

func programOf(f *Filter) []byte {
	if f == nil {
		return nil
	}
	return f.Program
}

// store writes the cache file atomically, first removing the entries of
// other binaries; a cache that cannot be written is no error, only slower.
func store(dir, bin, path string, b []byte) {
	if _, err := os.Stat(filepath.Join(dir, bin)); err != nil {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			_ = os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-")
	if err != nil {
		return
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil && cerr == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
}

// binaryKey names the running binary and kernel.
func binaryKey() (string, error) {
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/exe", &st); err != nil {
		return "", err
	}
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "", err
	}
	if st.Ino == 0 {
		return "", errors.New("no identity for the executable")
	}
	h := sha256.New()
	var id [40]byte
	binary.LittleEndian.PutUint64(id[0:], st.Dev)
	binary.LittleEndian.PutUint64(id[8:], st.Ino)
	binary.LittleEndian.PutUint64(id[16:], uint64(st.Size))
	binary.LittleEndian.PutUint64(id[24:], uint64(st.Mtim.Sec))
	binary.LittleEndian.PutUint64(id[32:], uint64(st.Mtim.Nsec))
	h.Write(id[:])
	h.Write(u.Release[:])
	return hex.EncodeToString(h.Sum(nil)[:12]), nil
}
