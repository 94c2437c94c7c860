// The header compiles as C++ and may be included twice.
#include "custodia.h"
#include "custodia.h"

int main() {
    custodia_schema *schema = nullptr;
    custodia_status status = custodia_schema_customer(&schema);
    custodia_schema_free(schema);
    return status == CUSTODIA_STATUS_OK ? 0 : 1;
}
