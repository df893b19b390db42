"""The provincial office's dashboard: ``/dashboard``, its sessions and its Excel export."""
