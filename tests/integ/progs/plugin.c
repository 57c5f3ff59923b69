/* plugin.c - an instrumented shared library that dlmain loads and unloads. */
__attribute__((noipa)) static int plugin_step(int x)
{
	return x * 3 + 1;
}

int plugin_work(int n);

int plugin_work(int n)
{
	int acc = 0;

	for (int i = 0; i < n; i++)
		acc += plugin_step(i);
	return acc;
}
