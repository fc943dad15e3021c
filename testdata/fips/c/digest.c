/* digest hashes its argument with SHA-256 through OpenSSL's EVP API. */
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>

int main(int argc, char **argv) {
	const char *msg = argc > 1 ? argv[1] : "sc8scan";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!EVP_Digest(msg, strlen(msg), md, &n, EVP_sha256(), NULL))
		return 1;
	printf("%s ", OpenSSL_version(OPENSSL_VERSION));
	for (unsigned int i = 0; i < n; i++)
		printf("%02x", md[i]);
	printf("\n");
	return 0;
}
