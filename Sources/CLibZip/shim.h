#ifndef DOCKET_CLIBZIP_SHIM_H
#define DOCKET_CLIBZIP_SHIM_H
#include <zip.h>
#include <zlib.h>
#endif
