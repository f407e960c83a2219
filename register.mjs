// LOADSTRAT_DISABLE=1 is checked before the preloader is even loaded: disabled costs an empty --import.
if (process.env.LOADSTRAT_DISABLE !== '1') await import('./dist/preload.js');
