/* noop_hooks.c - hooks that do nothing: the cost of the instrumentation
 * calls themselves, which the bench separates from mprof's own cost. */
void __cyg_profile_func_enter(void *fn, void *site);
void __cyg_profile_func_exit(void *fn, void *site);

__attribute__((no_instrument_function)) void __cyg_profile_func_enter(void *fn, void *site)
{
}

__attribute__((no_instrument_function)) void __cyg_profile_func_exit(void *fn, void *site)
{
}
