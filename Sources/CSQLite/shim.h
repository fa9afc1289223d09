#ifndef SHESHA_CSQLITE_SHIM_H
#define SHESHA_CSQLITE_SHIM_H

#include <sqlite3.h>

// Swift cannot call C variadic functions; these wrappers expose the one
// sqlite3_db_config call we need with a fixed signature.
static inline int csqlite_db_config_int(sqlite3 *db, int op, int value, int *result) {
    return sqlite3_db_config(db, op, value, result);
}

#endif
