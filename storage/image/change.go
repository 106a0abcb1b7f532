package image

import (
	"encoding/json"
	"path"
	"strconv"
	"strings"
	"time"

	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/pkg/strslice"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// changeInstructions are the Dockerfile instructions `import --change`
// (and `commit --change`) accept, as docker does.
var changeInstructions = map[string]func(*manifest.Schema2Config, string) error{
	"CMD":         func(c *manifest.Schema2Config, a string) error { return setCommand(&c.Cmd, a) },
	"ENTRYPOINT":  func(c *manifest.Schema2Config, a string) error { return setCommand(&c.Entrypoint, a) },
	"ENV":         changeEnv,
	"LABEL":       changeLabel,
	"EXPOSE":      changeExpose,
	"VOLUME":      changeVolume,
	"WORKDIR":     changeWorkdir,
	"USER":        func(c *manifest.Schema2Config, a string) error { c.User = a; return nil },
	"STOPSIGNAL":  func(c *manifest.Schema2Config, a string) error { c.StopSignal = a; return nil },
	"ONBUILD":     func(c *manifest.Schema2Config, a string) error { c.OnBuild = append(c.OnBuild, a); return nil },
	"HEALTHCHECK": changeHealthcheck,
}

// ApplyChanges applies docker's --change instructions ("CMD [\"sh\"]",
// "ENV A=1", "EXPOSE 80/udp", ...) to cfg, in order.
func ApplyChanges(cfg *manifest.Schema2Config, changes []string) error {
	for _, ch := range changes {
		ch = strings.TrimSpace(ch)
		word, arg := ch, ""
		if i := strings.IndexAny(ch, " \t"); i >= 0 {
			word, arg = ch[:i], ch[i+1:]
		}
		fn, ok := changeInstructions[strings.ToUpper(word)]
		if !ok {
			return errdefs.Invalid("invalid --change %q: %s is not allowed; use CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME or WORKDIR", ch, word)
		}
		arg = strings.TrimSpace(arg)
		if arg == "" {
			return errdefs.Invalid("invalid --change %q: %s needs an argument", ch, strings.ToUpper(word))
		}
		if err := fn(cfg, arg); err != nil {
			return errdefs.Invalid("invalid --change %q: %v", ch, err)
		}
	}
	return nil
}

// jsonArray decodes the exec form ["a", "b"]; ok is false for other text.
func jsonArray(s string) ([]string, bool) {
	if !strings.HasPrefix(s, "[") {
		return nil, false
	}
	var out []string
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, false
	}
	return out, true
}

// setCommand sets CMD or ENTRYPOINT: exec form as given, shell form run
// by /bin/sh -c.
func setCommand(dst *strslice.StrSlice, arg string) error {
	if a, ok := jsonArray(arg); ok {
		*dst = a
		return nil
	}
	*dst = []string{"/bin/sh", "-c", arg}
	return nil
}

// keyValues parses "k=v k2='v 2'" or the legacy single pair "k v w".
func keyValues(arg string) ([][2]string, error) {
	words, err := splitWords(arg)
	if err != nil {
		return nil, err
	}
	if len(words) > 0 && !strings.Contains(words[0], "=") {
		key, rest, _ := strings.Cut(arg, " ")
		rest = strings.TrimSpace(rest)
		if rest == "" {
			return nil, errdefs.Invalid("%s needs a value: use KEY=VALUE", key)
		}
		vals, err := splitWords(rest)
		if err != nil {
			return nil, err
		}
		return [][2]string{{key, strings.Join(vals, " ")}}, nil
	}
	out := make([][2]string, 0, len(words))
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok || k == "" {
			return nil, errdefs.Invalid("%q is not KEY=VALUE", w)
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}

func changeEnv(c *manifest.Schema2Config, arg string) error {
	kvs, err := keyValues(arg)
	if err != nil {
		return err
	}
	for _, kv := range kvs {
		c.Env = setEnv(c.Env, kv[0], kv[1])
	}
	return nil
}

// setEnv replaces or appends KEY=VALUE in env.
func setEnv(env []string, key, value string) []string {
	for i, e := range env {
		if k, _, _ := strings.Cut(e, "="); k == key {
			env[i] = key + "=" + value
			return env
		}
	}
	return append(env, key+"="+value)
}

func changeLabel(c *manifest.Schema2Config, arg string) error {
	kvs, err := keyValues(arg)
	if err != nil {
		return err
	}
	if c.Labels == nil {
		c.Labels = map[string]string{}
	}
	for _, kv := range kvs {
		c.Labels[kv[0]] = kv[1]
	}
	return nil
}

// changeExpose adds "80", "80/tcp", "53/udp" or a range "8000-8002".
func changeExpose(c *manifest.Schema2Config, arg string) error {
	for _, p := range strings.Fields(arg) {
		ports, err := ParsePortSpec(p)
		if err != nil {
			return err
		}
		if c.ExposedPorts == nil {
			c.ExposedPorts = manifest.Schema2PortSet{}
		}
		for _, port := range ports {
			c.ExposedPorts[manifest.Schema2Port(port)] = struct{}{}
		}
	}
	return nil
}

// ParsePortSpec expands an EXPOSE word into "PORT/PROTO" keys.
func ParsePortSpec(p string) ([]string, error) {
	spec, proto, _ := strings.Cut(p, "/")
	proto = strings.ToLower(proto)
	switch proto {
	case "":
		proto = "tcp"
	case "tcp", "udp", "sctp":
	default:
		return nil, errdefs.Invalid("invalid protocol %q in %q: use tcp, udp or sctp", proto, p)
	}
	lo, hi, isRange := strings.Cut(spec, "-")
	first, err := strconv.ParseUint(lo, 10, 16)
	last := first
	if err == nil && isRange {
		last, err = strconv.ParseUint(hi, 10, 16)
	}
	if err != nil || first == 0 || last < first {
		return nil, errdefs.Invalid("invalid port %q: use PORT[/PROTO] or FIRST-LAST[/PROTO] with ports 1-65535", p)
	}
	out := make([]string, 0, last-first+1)
	for n := first; n <= last; n++ {
		out = append(out, strconv.FormatUint(n, 10)+"/"+proto)
	}
	return out, nil
}

func changeVolume(c *manifest.Schema2Config, arg string) error {
	vols, ok := jsonArray(arg)
	if !ok {
		vols = strings.Fields(arg)
	}
	if c.Volumes == nil {
		c.Volumes = map[string]struct{}{}
	}
	for _, v := range vols {
		if v == "" {
			return errdefs.Invalid("VOLUME needs a path")
		}
		c.Volumes[v] = struct{}{}
	}
	return nil
}

// changeWorkdir sets WORKDIR; a relative path is relative to the current
// one, as in a Dockerfile.
func changeWorkdir(c *manifest.Schema2Config, arg string) error {
	if !path.IsAbs(arg) {
		base := c.WorkingDir
		if base == "" {
			base = "/"
		}
		arg = path.Join(base, arg)
	}
	c.WorkingDir = arg
	return nil
}

// changeHealthcheck parses "NONE" or "[--interval=D ...] CMD ...".
func changeHealthcheck(c *manifest.Schema2Config, arg string) error {
	if strings.EqualFold(strings.TrimSpace(arg), "NONE") {
		c.Healthcheck = &manifest.Schema2HealthConfig{Test: []string{"NONE"}}
		return nil
	}
	hc := &manifest.Schema2HealthConfig{}
	for strings.HasPrefix(arg, "--") {
		opt, rest, _ := strings.Cut(arg, " ")
		arg = strings.TrimSpace(rest)
		if err := healthOption(hc, opt); err != nil {
			return err
		}
	}
	word, cmd, _ := strings.Cut(arg, " ")
	if !strings.EqualFold(word, "CMD") || strings.TrimSpace(cmd) == "" {
		return errdefs.Invalid("HEALTHCHECK needs NONE or [OPTIONS] CMD command")
	}
	cmd = strings.TrimSpace(cmd)
	if a, ok := jsonArray(cmd); ok {
		hc.Test = append([]string{"CMD"}, a...)
	} else {
		hc.Test = []string{"CMD-SHELL", cmd}
	}
	c.Healthcheck = hc
	return nil
}

func healthOption(hc *manifest.Schema2HealthConfig, opt string) error {
	name, val, ok := strings.Cut(strings.TrimPrefix(opt, "--"), "=")
	if !ok {
		return errdefs.Invalid("HEALTHCHECK option %q needs a value: --%s=VALUE", opt, name)
	}
	if name == "retries" {
		n, err := strconv.Atoi(val)
		if err != nil || n < 0 {
			return errdefs.Invalid("HEALTHCHECK --retries must be a number >= 0")
		}
		hc.Retries = n
		return nil
	}
	d, err := time.ParseDuration(val)
	if err != nil || d < 0 {
		return errdefs.Invalid("HEALTHCHECK --%s=%s: not a duration like 30s or 1m", name, val)
	}
	switch name {
	case "interval":
		hc.Interval = d
	case "timeout":
		hc.Timeout = d
	case "start-period":
		hc.StartPeriod = d
	case "start-interval":
		hc.StartInterval = d
	default:
		return errdefs.Invalid("unknown HEALTHCHECK option --%s: use --interval, --timeout, --start-period, --start-interval or --retries", name)
	}
	return nil
}

// splitWords splits s at blanks, honouring '…', "…" and backslash
// escapes as a Dockerfile does.
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	escaped := false
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\' && quote != '\'':
			escaped, inWord = true, true
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, errdefs.Invalid("unterminated %c quote", quote)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
