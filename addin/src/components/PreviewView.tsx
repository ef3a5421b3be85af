import { Text } from '@fluentui/react-components';

export function PreviewView() {
  return <Text>Masking and preview of exactly what leaves Excel arrive in a later release.</Text>;
}
