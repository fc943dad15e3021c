package capture_test

import (
	"context"
	"fmt"

	"github.com/sc8scan/sc8scan/pkg/capture"
)

func ExampleReadFile() {
	r, err := capture.ReadFile(context.Background(), "../../testdata/pcap/tls12.pcap")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range r.Flows[:2] {
		fmt.Println(f.Server, f.Classification, f.Encrypted, f.TLS.Version, f.TLS.ServerName, f.TLS.ClientCertificate)
	}
	fmt.Println(r.Stats.Packets, "packets,", r.Stats.Flows, "flows")
	// Output:
	// 127.0.0.1:18443 tls true TLSv1.2 mtls12.test sent
	// 127.0.0.1:18444 tls true TLSv1.2 optional12.test not-sent
	// 85 packets, 5 flows
}
