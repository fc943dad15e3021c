/*
 * A stand-in for an OpenSSL 3 FIPS provider module (fips.so): it exports
 * OSSL_provider_init and carries the identifying strings a real provider
 * carries (its name and a bare version string), but implements nothing.
 * No validated provider can be built here; the inspector only reads
 * these strings, never runs the module. FIPSPROV_VERSION is set at
 * compile time.
 */
#ifndef FIPSPROV_VERSION
#define FIPSPROV_VERSION "3.0.9"
#endif

const char fipsprov_name[] = "OpenSSL FIPS Provider";
const char fipsprov_version[] = FIPSPROV_VERSION;

int OSSL_provider_init(const void *handle, const void *in, const void **out, void **provctx) {
	(void)handle; (void)in; (void)out; (void)provctx;
	return 0;
}
