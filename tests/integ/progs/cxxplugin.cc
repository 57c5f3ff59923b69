// cxxplugin.cc - an instrumented C++ library that a C program (dlmain)
// loads: its functions are named, and matched, as C++ names.
#include <string>

namespace ns
{
__attribute__((noipa)) static int plugin_cxx(int x)
{
	std::string s(static_cast<size_t>(x % 7), 'a');
	return static_cast<int>(s.size());
}
} // namespace ns

extern "C" int plugin_work(int n);

extern "C" int plugin_work(int n)
{
	int acc = 0;

	for (int i = 0; i < n; i++)
		acc += ns::plugin_cxx(i);
	return acc;
}
