import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { createRendererApi } from './api.js';
import { API_KEY } from './stores/api.js';
import './styles/terminal.css';

const { api, kind } = createRendererApi(window);
const app = createApp(App);
app.provide(API_KEY, { api, kind });
app.use(createPinia());
app.mount('#app');
