/* plugin2.c - another instrumented library for dlmain, loaded after
 * libplugin is unloaded: different functions at the same addresses. */
__attribute__((noipa)) static int plugin_other(int x)
{
	return x * 5 - 1;
}

int plugin_work(int n);

int plugin_work(int n)
{
	int acc = 0;

	for (int i = 0; i < n; i++)
		acc += plugin_other(i);
	return acc;
}
