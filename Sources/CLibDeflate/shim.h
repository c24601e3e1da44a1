#ifndef DOCKET_CLIBDEFLATE_SHIM_H
#define DOCKET_CLIBDEFLATE_SHIM_H
#include <libdeflate.h>
#endif
