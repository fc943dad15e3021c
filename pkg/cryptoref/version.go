package cryptoref

// VersionName renders a protocol version code as sc8scan's documents name
// it: "SSLv3", "TLSv1.0" ... "TLSv1.3"; any other value as "0x" and four
// hex digits (drafts, GREASE, garbage).
func VersionName(v uint16) string {
	switch v {
	case 0x0300:
		return "SSLv3"
	case 0x0301:
		return "TLSv1.0"
	case 0x0302:
		return "TLSv1.1"
	case 0x0303:
		return "TLSv1.2"
	case 0x0304:
		return "TLSv1.3"
	}
	const hex = "0123456789abcdef"
	return "0x" + string([]byte{hex[v>>12], hex[v>>8&15], hex[v>>4&15], hex[v&15]})
}
