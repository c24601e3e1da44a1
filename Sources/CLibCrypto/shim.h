#ifndef DOCKET_CLIBCRYPTO_SHIM_H
#define DOCKET_CLIBCRYPTO_SHIM_H
#include <openssl/evp.h>
#endif
