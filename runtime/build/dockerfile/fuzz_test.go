package dockerfile

import (
	"testing"

	"github.com/skiff-containers/skiff/internal/testutil/fuzzcheck"
)

// Dockerfiles: parsed into stages, then the stages a target needs.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"FROM busybox\nRUN echo hi\n",
		"# syntax=docker/dockerfile:1\n# escape=`\nARG B=busybox\nFROM $B AS one\nCOPY --from=0 /a /b\nFROM one\nCMD [\"x\"]\n",
		"FROM scratch\nADD --chown=1:1 a.tar /\nCOPY <<EOF /x\nhello\nEOF\n",
		"FROM a AS b\nFROM b AS a\n",
		"FROM busybox\nRUN --mount=type=cache,target=/c --mount=type=bind,from=x,source=/y true\n",
		"FROM x\nONBUILD RUN y\nHEALTHCHECK --interval=1s CMD z\nSHELL [\"/bin/sh\",\"-c\"]\n",
		"RUN before from\n", "FROM\n", "FROM x \\\n\n", "FROM x\nFOO bar\n", "FROM x\nEXPOSE 80/tcp 9000-9010\nUSER 1:1\nWORKDIR a\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		df, err := Parse(data, "Dockerfile")
		fuzzcheck.OneLine(t, "Dockerfile", err)
		if err != nil || len(df.Stages) == 0 {
			return
		}
		expand := func(s string) (string, error) { return s, nil }
		for _, st := range df.Stages {
			_, err := df.Needed(st, expand)
			fuzzcheck.OneLine(t, "stages", err)
		}
		_, err = df.Target("")
		fuzzcheck.OneLine(t, "target", err)
	})
}
