/** Notifications: the Notifier every concern raises notices through, and the safe node-notifier sink. */
export { Notifier, type NotifySink, type NoticeInput, type NotifierOptions } from './notifier';
export {
  nodeNotifierSink,
  type NodeNotifierSinkOptions,
  type DesktopNotifier,
  type SinkStats,
} from './node-sink';
export { notifySchema, parseNotifyConfig, type NotifyConfig, type LogGroupConfig } from './config';
