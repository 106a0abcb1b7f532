package container

import (
	"crypto/rand"
	"encoding/hex"
	"math/big"
)

// Word lists for generated names ("brave_turing"), in docker's style.
var (
	adjectives = []string{
		"agile", "amber", "ample", "bold", "brave", "brisk", "calm", "clever", "cosmic", "crisp",
		"daring", "deft", "eager", "earnest", "fervent", "fierce", "frosty", "gentle", "glad", "golden",
		"happy", "hardy", "humble", "jolly", "keen", "kind", "lively", "lucid", "merry", "mellow",
		"nimble", "noble", "patient", "placid", "proud", "quick", "quiet", "rapid", "serene", "sharp",
		"shiny", "silent", "sleek", "smart", "snappy", "solid", "spry", "steady", "stoic", "sunny",
		"swift", "tender", "tidy", "upbeat", "vivid", "warm", "wise", "witty", "zealous", "zen",
	}
	surnames = []string{
		"agnesi", "babbage", "bardeen", "bohr", "boole", "cannon", "carson", "curie", "darwin", "dijkstra",
		"einstein", "euler", "faraday", "fermat", "fermi", "feynman", "franklin", "galileo", "gauss", "goodall",
		"hamilton", "hawking", "hopper", "hypatia", "johnson", "kepler", "knuth", "lamport", "leavitt", "lovelace",
		"maxwell", "meitner", "mendel", "mirzakhani", "newton", "noether", "pascal", "pasteur", "planck", "ritchie",
		"sagan", "shannon", "somerville", "tesla", "thompson", "torvalds", "turing", "volta", "wiles", "wozniak",
	}
)

func pick(words []string) string {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(words))))
	if err != nil {
		return words[0]
	}
	return words[n.Int64()]
}

// generateName returns a random docker-style name; retry appends a digit.
func generateName(retry int) string {
	name := pick(adjectives) + "_" + pick(surnames)
	if retry > 0 {
		n, _ := rand.Int(rand.Reader, big.NewInt(10))
		name += n.String()
	}
	return name
}

// newID returns a random 64-hex container ID whose short form is not all
// digits (docker avoids those: they read as numbers).
func newID() string {
	for {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			panic(err)
		}
		id := hex.EncodeToString(b)
		for _, c := range id[:12] {
			if c > '9' {
				return id
			}
		}
	}
}

// GenerateName returns a random docker-style name ("brave_turing"), for
// objects that name themselves as containers do (pods); retry appends a
// digit.
func GenerateName(retry int) string { return generateName(retry) }
