import { render } from "preact";
import { App } from "./app";
import { connectFirebase } from "./firebase";
import { Alert } from "./ui/Alert";
import "./styles.css";

const root = document.getElementById("app")!;

connectFirebase().then(
  (services) => {
    root.textContent = "";
    render(<App services={services} />, root);
  },
  (error: Error) => {
    root.textContent = "";
    render(
      <main class="auth-page">
        <Alert tone="error" title="The console could not start">
          <p>{error.message}</p>
        </Alert>
      </main>,
      root,
    );
  },
);
