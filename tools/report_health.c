// SPDX-License-Identifier: MIT
/*
 * report_health.c - what a report says about its trace, in the same words
 * for every renderer: how the process ended, and what its live blocks at
 * the end are called.
 */
#include "config.h"

#include "report.h"

const char *report_end_text(const struct report *rep, char *buf, size_t len)
{
	switch (rep->hdr->end_how) {
	case TRACE_END_EXIT:
		snprintf(buf, len, "ended with exit(%d)", rep->hdr->exit_status);
		return buf;
	case TRACE_END__EXIT:
		snprintf(buf, len, "ended with _exit(%d)", rep->hdr->exit_status);
		return buf;
	case TRACE_END_EXEC:
		return "ended with exec";
	default:
		return rep->ended ? NULL : "did not finish: killed, crashed, or still running";
	}
}

const char *report_end_name(const struct report *rep)
{
	switch (rep->hdr->end_how) {
	case TRACE_END_EXIT:
		return "exit";
	case TRACE_END__EXIT:
		return "_exit";
	case TRACE_END_EXEC:
		return "exec";
	default:
		return rep->ended ? "finished" : "unfinished";
	}
}

bool report_end_status(const struct report *rep, int *status)
{
	if (rep->hdr->end_how != TRACE_END_EXIT && rep->hdr->end_how != TRACE_END__EXIT)
		return false;
	*status = rep->hdr->exit_status;
	return true;
}

const char *report_live_at_end(const struct report *rep, bool title)
{
	if (rep->ended)
		return title ? "Leaked at end" : "leaked";
	if (rep->nprocesses)
		return title ? "Still live at the end (some processes were killed or crashed)"
			     : "still live at the end (some processes were killed or crashed)";
	return title ? "Still live when the process was killed or crashed"
		     : "still live when the process was killed or crashed";
}
