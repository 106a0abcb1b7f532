package spec

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// ParseEnvFile reads a docker --env-file: one VAR=value or VAR a line,
// '#' comments and blank lines skipped, no quoting (the value is taken
// literally, as docker does). A bare VAR takes lookup's value or is dropped.
func ParseEnvFile(r io.Reader, lookup func(string) (string, bool)) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimLeft(sc.Text(), " \t")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, _, hasValue := strings.Cut(line, "=")
		if key == "" || strings.ContainsAny(key, " \t") {
			return nil, fmt.Errorf("line %d: variable %q contains whitespace or is empty", n, key)
		}
		if hasValue {
			out = append(out, line)
			continue
		}
		if v, ok := lookup(key); ok {
			out = append(out, key+"="+v)
		}
	}
	return out, sc.Err()
}

// MergeEnv builds a container's environment: the image's, then the env
// files', then -e's (a later value wins, the first position is kept); a
// bare "-e VAR" takes the host's value or is dropped; PATH defaults to
// DefaultPath.
func MergeEnv(image []string, files [][]string, flags []string, lookup func(string) (string, bool)) []string {
	var keys []string
	vals := map[string]string{}
	set := func(kv string) {
		k, v, _ := strings.Cut(kv, "=")
		if _, ok := vals[k]; !ok {
			keys = append(keys, k)
		}
		vals[k] = v
	}
	for _, kv := range image {
		set(kv)
	}
	for _, f := range files {
		for _, kv := range f {
			set(kv)
		}
	}
	for _, kv := range flags {
		if !strings.Contains(kv, "=") {
			v, ok := lookup(kv)
			if !ok {
				continue
			}
			kv += "=" + v
		}
		set(kv)
	}
	if _, ok := vals["PATH"]; !ok {
		keys = append([]string{"PATH"}, keys...)
		vals["PATH"] = DefaultPath
	}
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k+"="+vals[k])
	}
	return out
}

// LoadEnvFiles reads each --env-file in order.
func LoadEnvFiles(paths []string) ([][]string, error) {
	var out [][]string
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("reading env file: %w", err)
		}
		env, err := ParseEnvFile(f, os.LookupEnv)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("env file %s: %w", p, err)
		}
		out = append(out, env)
	}
	return out, nil
}

// Getenv returns the value of key in env (KEY=value list), last wins.
func Getenv(env []string, key string) (string, bool) {
	val, found := "", false
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			val, found = v, true
		}
	}
	return val, found
}
