import './dist/register.js';
