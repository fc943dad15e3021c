package lab

// DemoImageVariants maps each image the demo manifests reference to the
// crypto mode of the real Go build that stands in for it (a variant of
// imagebuild.DemoVariants). The Istio images are left out on purpose: the
// demo runs offline, and they show as not inspected.
func DemoImageVariants() map[string]string {
	return map[string]string{
		"registry.demo.internal/payments/api:1.4.2":             "go-fips140-v1.0.0",
		"registry.demo.internal/payments/ledger:3.0.1":          "go-fips140-v1.0.0-stripped",
		"registry.demo.internal/shop/frontend:2.8.0":            "go-std",
		"registry.demo.internal/shop/cart:1.2.0":                "go-fips140-latest",
		"registry.demo.internal/shop/report:0.9.0":              "go-fips140-v1.0.0-godebug-off",
		"registry.demo.internal/auth/idp:5.1.0":                 "go-boringcrypto",
		"registry.demo.internal/data/postgres:16.4":             "go-fips140-inprocess",
		"registry.demo.internal/data/redis:7.2":                 "go-nocrypto-fips140",
		"registry.demo.internal/monitoring/prometheus:2.55.0":   "go-std",
		"registry.demo.internal/monitoring/node-exporter:1.8.2": "go-std",
		"registry.demo.internal/legacy/billing:2014.3":          "go-boringcrypto-nocgo",
	}
}
