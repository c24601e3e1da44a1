#ifndef DOCKET_CLIBYAML_SHIM_H
#define DOCKET_CLIBYAML_SHIM_H
#include <yaml.h>
#endif
