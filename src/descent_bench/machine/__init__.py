"""What a run was measured on and how it stood: the processor, accelerators and libraries
(``describe``, ``gpu``), how busy it was (``state``), its caches and free memory (``cache``,
``memory``), and each platform's streaming ceiling (``ceilings``)."""
