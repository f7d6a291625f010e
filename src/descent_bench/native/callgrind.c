/* callgrind's client requests as functions, for ctypes (descent_bench.measurement.callgrind):
 * counting switched on around one call only. Outside valgrind each is a few no-op
 * instructions. Needs valgrind's headers (Debian: the valgrind package). */
#include <valgrind/callgrind.h>

void descent_bench_count_start(void) { CALLGRIND_ZERO_STATS; CALLGRIND_START_INSTRUMENTATION; }
void descent_bench_count_stop(void) { CALLGRIND_STOP_INSTRUMENTATION; }
int descent_bench_on_valgrind(void) { return RUNNING_ON_VALGRIND; }
