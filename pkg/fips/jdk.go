package fips

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/evidence"
)

// javaSecurityFiles are where a Java runtime keeps java.security, relative
// to its home (JDK 9 and later, then 8).
var javaSecurityFiles = []string{"conf/security/java.security", "lib/security/java.security", "jre/lib/security/java.security"}

// javaProperties reads the key=value lines of a java.security file.
func javaProperties(text []byte) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			out[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return out
}

// judgeJDK decides a Java runtime's own crypto (its bin/java): the
// providers its java.security puts first. Bouncy Castle FIPS first defers
// to the bc-fips jar; RHEL's FIPS profile (SunPKCS11 over the system NSS)
// applies only on a FIPS-mode node; otherwise SunJCE answers, which is not
// validated.
func (j *judge) judgeJDK(p string, jars map[string]*evidence.Binary) *evidence.Binary {
	home := path.Dir(path.Dir(p))
	b := &evidence.Binary{Path: p, Format: "elf", Language: "java", Modules: []evidence.Module{}}
	var text []byte
	var where string
	for _, rel := range javaSecurityFiles {
		if rp, n, err := j.fs.lookup(path.Join(home, rel)); err == nil && n != nil && n.text != nil {
			text, where = n.text, rp
			break
		}
	}
	if text == nil {
		b.Backend, b.Verdict = "java-sunjce", VerdictNotValidated
		b.Modules = append(b.Modules, evidence.Module{Name: "Java SunJCE", Status: statusNone})
		b.Evidence = []string{"no java.security under " + home + ": the JDK's default providers (SunJCE) answer, which are not validated"}
		return b
	}
	props := javaProperties(text)
	provs := javaProviders(text)
	for class, pos := range provs {
		if pos == 1 && strings.HasSuffix(class, "BouncyCastleFipsProvider") {
			b.Backend = BackendBCFIPS
			b.Evidence = []string{where + " registers BouncyCastleFipsProvider first"}
			best := VerdictNotValidated
			for jp, jb := range jars {
				if jb.Backend == BackendBCFIPS {
					b.Modules = append(b.Modules, jb.Modules...)
					b.Evidence = append(b.Evidence, fmt.Sprintf("bc-fips jar %s: %s", jp, jb.Verdict))
					if verdictRank[jb.Verdict] > verdictRank[best] && jb.Verdict != VerdictNoCrypto {
						best = jb.Verdict
					}
				}
			}
			if len(b.Modules) == 0 {
				b.Evidence = append(b.Evidence, "but no bc-fips jar is in the image")
			}
			b.Verdict = best
			return b
		}
	}
	if fp := props["fips.provider.1"]; strings.Contains(fp, "SunPKCS11") && strings.HasPrefix(j.distro, "rhel") {
		b.Backend = "java-sunpkcs11-nss"
		b.Modules = append(b.Modules, evidence.Module{Name: "Red Hat Enterprise Linux NSS (through SunPKCS11-NSS-FIPS)", Status: statusNone})
		b.Evidence = []string{fmt.Sprintf("%s has RHEL's FIPS profile (fips.provider.1=%s, security.useSystemPropertiesFile=%s)", where, fp, orDefault(props["security.useSystemPropertiesFile"], "unset"))}
		if j.hostFIPS {
			b.Verdict = VerdictUnknown
			b.Evidence = append(b.Evidence, "on a FIPS-mode node the JDK uses the system NSS; a RHEL NSS certificate (e.g. #4774, #5022) applies only if the nss-softokn package version matches it: confirm by hand")
		} else {
			b.Verdict = VerdictNotValidated
			b.Evidence = append(b.Evidence, "the node is not known to run in FIPS mode (--host-fips): SunJCE answers, which is not validated")
		}
		return b
	}
	b.Backend, b.Verdict = "java-sunjce", VerdictNotValidated
	b.Modules = append(b.Modules, evidence.Module{Name: "Java SunJCE", Status: statusNone})
	first := "none"
	for class, pos := range provs {
		if pos == 1 {
			first = class
		}
	}
	b.Evidence = []string{fmt.Sprintf("%s puts %s first and no FIPS provider ahead of SunJCE: not validated", where, first)}
	return b
}
