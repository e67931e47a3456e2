/**
 * Keeps a part of the page that failed to render from taking the rest with it: the call, its
 * video and its controls live in their own boundaries, so a panel that throws shows a short
 * message ("Chat could not be shown") with Try again (and Close where the panel can be closed),
 * and everything around it goes on. The boundary around the whole app offers a reload instead.
 */
import { Component, type ErrorInfo, type ReactNode } from "react";
import "../boundary.css";

interface Props {
  /** What the part is called, as a person would say it: "Chat", "Remote video". */
  name: string;
  children: ReactNode;
  /** Closes the part (e.g. the chat panel); the boundary resets so it renders afresh when reopened. */
  onClose?: () => void;
  /** The outermost boundary: nothing is left to show, so it offers to reload the page. */
  fatal?: boolean;
  /** Extra class for the message (to sit where the part sits). */
  className?: string;
  /** The part is not on screen (a closed panel): a failure shows nothing until it is back. */
  hidden?: boolean;
  /** When this changes (the panel reopens), the part is rendered afresh. */
  resetKey?: unknown;
}

interface State {
  error: Error | null;
}

export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error(`${this.props.name} could not be shown:`, error, info.componentStack ?? "");
  }

  override componentDidUpdate(prev: Props) {
    if (this.state.error && prev.resetKey !== this.props.resetKey) this.setState({ error: null });
  }

  private retry = () => this.setState({ error: null });

  override render() {
    const { error } = this.state;
    const { name, onClose, fatal, className, hidden, children } = this.props;
    if (!error) return children;
    if (hidden && !fatal) return null;
    if (fatal) {
      return (
        <div className="boundary-fatal" role="alert">
          <p>Something went wrong and OneLink stopped. Reloading the page brings the call back.</p>
          <p className="hint">{error.message}</p>
          <button type="button" className="primary" onClick={() => location.reload()}>
            Reload
          </button>
        </div>
      );
    }
    return (
      <div className={`boundary-error${className ? ` ${className}` : ""}`} role="alert">
        <p>{name} could not be shown.</p>
        <div className="row">
          <button type="button" onClick={this.retry}>
            Try again
          </button>
          {onClose && (
            <button type="button" onClick={onClose}>
              Close
            </button>
          )}
        </div>
      </div>
    );
  }
}
