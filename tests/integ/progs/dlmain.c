/* dlmain.c - dlopen an instrumented library, call it, dlclose it:
 * dlmain LIBRARY N. The report must still name its functions. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 100;
	void *h = dlopen(argv[1], RTLD_NOW);
	int (*work)(int);

	if (h == NULL) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 1;
	}
	work = (int (*)(int))dlsym(h, "plugin_work");
	printf("plugin_work=%d plugin_step_calls=%d\n", work(n), n);
	dlclose(h);
	return 0;
}
