/*
 * dlmain.c - dlopen instrumented libraries, call each, dlclose it:
 * dlmain LIBRARY N [LIBRARY...]. Each library's plugin_work(N) runs once;
 * the next library is loaded after the previous one is unloaded (it often
 * lands at the same addresses). With DLMAIN_CHDIR set, the process changes
 * to / after each dlopen (a relative library name then names nothing).
 * The report must still name every function.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 100;
	char *home = getcwd(NULL, 0);

	for (int i = 1; i < argc; i = i == 1 ? 3 : i + 1) {
		void *h = dlopen(argv[i], RTLD_NOW);
		int (*work)(int);

		if (h == NULL) {
			fprintf(stderr, "dlopen: %s\n", dlerror());
			return 1;
		}
		if (getenv("DLMAIN_CHDIR") && chdir("/") < 0)
			return 1;
		work = (int (*)(int))dlsym(h, "plugin_work");
		printf("%s: plugin_work=%d calls=%d\n", argv[i], work(n), n);
		dlclose(h);
		if (home && chdir(home) < 0)
			return 1;
	}
	free(home);
	return 0;
}
