package fips

import (
	"archive/zip"
	"bufio"
	"bytes"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// jarFacts is what a Java archive says about a crypto provider in it.
type jarFacts struct {
	Kind    string // "bc-fips", "bcprov" or "" (no crypto provider recognised)
	Version string // Bundle-Version or the file name's version
	Err     string
}

const (
	maxJarEntries      = 100_000
	maxJarManifestSize = 64 << 10
)

var jarVersionRE = regexp.MustCompile(`-(\d+(?:\.\d+)+)`)

// analyseJar recognises Bouncy Castle jars by manifest, or by file name
// when the manifest cannot be read.
func analyseJar(p string, buf []byte) *jarFacts {
	base := path.Base(p)
	j := &jarFacts{}
	switch {
	case strings.HasPrefix(base, "bc-fips-"):
		j.Kind = "bc-fips"
	case strings.HasPrefix(base, "bcprov-"):
		j.Kind = "bcprov"
	}
	if m := jarVersionRE.FindStringSubmatch(base); m != nil {
		j.Version = m[1]
	}
	zr, err := zip.NewReader(bytes.NewReader(buf), int64(len(buf)))
	if err != nil {
		j.Err = "reading jar: " + err.Error()
		return finishJar(j)
	}
	if len(zr.File) > maxJarEntries {
		j.Err = "jar has too many entries"
		return finishJar(j)
	}
	for _, f := range zr.File {
		if f.Name != "META-INF/MANIFEST.MF" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			j.Err = "reading manifest: " + err.Error()
			break
		}
		attrs := manifestAttrs(io.LimitReader(rc, maxJarManifestSize))
		rc.Close()
		name := attrs["Bundle-SymbolicName"] + " " + attrs["Bundle-Name"] + " " + attrs["Implementation-Title"]
		switch {
		case strings.Contains(name, "bc-fips") || strings.Contains(name, "BouncyCastle FIPS") || strings.Contains(name, "bcfips"):
			j.Kind = "bc-fips"
		case strings.Contains(name, "bcprov") && j.Kind == "":
			j.Kind = "bcprov"
		}
		if v := attrs["Bundle-Version"]; v != "" && j.Kind != "" {
			j.Version = v
		}
	}
	return finishJar(j)
}

func finishJar(j *jarFacts) *jarFacts {
	if j.Kind == "" {
		return nil
	}
	return j
}

func manifestAttrs(r io.Reader) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	last := ""
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.HasPrefix(line, " ") && last != "" {
			out[last] += strings.TrimPrefix(line, " ")
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		last = strings.TrimSpace(k)
		out[last] = strings.TrimSpace(v)
	}
	return out
}

// javaProviders reads security.provider.N entries of a java.security file:
// the class name -> its position.
func javaProviders(text []byte) map[string]int {
	out := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		n, isProv := strings.CutPrefix(strings.TrimSpace(k), "security.provider.")
		if !isProv {
			continue
		}
		pos, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		class := strings.Fields(strings.TrimSpace(v))
		if len(class) > 0 {
			if old, ok := out[class[0]]; !ok || pos < old {
				out[class[0]] = pos
			}
		}
	}
	return out
}
